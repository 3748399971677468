package cvr

import (
	"bufio"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
)

// WriteNISTJSON writes the CVRs of jurisdiction jur ("" for all) as one
// NIST SP 1500-103 v1.0 CastVoteRecordReport in JSON (FORMATS.md section
// e), as nist_json.go reads it: the CVR array first (streamed, one CVR per
// card with a CVR, one "original" snapshot each), then the ReportingDevice
// (one per tabulator), GpUnit (one per precinct) and Election (candidates
// and contests with their selections) definitions. UniqueId and
// BallotAuditId are the card ID, CreatingDeviceId the tabulator, BatchId
// the batch and BatchSequenceId the position. An overvoted contest has
// Overvotes 1, Status "overvoted" and its marks IsAllocable "no"; the
// VoteVariation is plurality, n-of-m, approval or rcv.
func (s *Synth) WriteNISTJSON(w io.Writer, jur string) error {
	lo, hi, err := s.jurRange(jur)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, synthBufSize)
	bw.WriteString(`{"@type":"CVR.CastVoteRecordReport","Version":"1.0.0","GeneratedDate":"2026-01-01T00:00:00Z",` +
		`"ReportGeneratingDeviceIds":["rla-synth"],"ReportType":["originating-device-export"],"CVR":[`)
	g := s.newGen()
	var b []byte
	first := true
	for i := lo; i < hi; i++ {
		g.gen(i)
		if g.missing {
			continue
		}
		b = b[:0]
		if !first {
			b = append(b, ',')
		}
		first = false
		b = s.appendNISTCVR(append(b, '\n'), g)
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("cvr: synth: nist-json: %w", err)
		}
	}
	bw.WriteString("\n],")
	defs, err := s.nistDefinitions(lo, hi)
	if err != nil {
		return err
	}
	bw.Write(defs[1 : len(defs)-1]) // the members of the definitions object
	bw.WriteString("}\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cvr: synth: nist-json: %w", err)
	}
	return nil
}

func (s *Synth) appendNISTCVR(b []byte, g *synthGen) []byte {
	st := &s.styles[g.style]
	b = append(b, `{"@type":"CVR.CVR","UniqueId":"`...)
	b = append(b, g.idBuf...)
	b = append(b, `","BallotAuditId":"`...)
	b = append(b, g.idBuf...)
	b = append(b, `","BallotSheetId":"`...)
	b = strconv.AppendInt(b, g.i%int64(s.k)+1, 10)
	b = append(b, `","BatchId":"`...)
	b = append(b, g.numStr...)
	b = append(b, `","BatchSequenceId":`...)
	b = strconv.AppendInt(b, g.pos, 10)
	b = append(b, `,"BallotStyleId":`...)
	b = appendJSONString(b, st.name)
	b = append(b, `,"BallotStyleUnitId":`...)
	b = appendJSONString(b, st.precinct)
	b = append(b, `,"CreatingDeviceId":"`...)
	b = append(b, g.tabStr...)
	b = append(b, `","ElectionId":"election","CurrentSnapshotId":"ss-`...)
	b = append(b, g.idBuf...)
	b = append(b, `","CVRSnapshot":[{"@type":"CVR.CVRSnapshot","@id":"ss-`...)
	b = append(b, g.idBuf...)
	b = append(b, `","Type":"original","CVRContest":[`...)
	for k := range g.raw {
		r := &g.raw[k]
		c := &s.contests[r.c]
		m := g.marks[r.cvr[0]:r.cvr[1]]
		if k > 0 {
			b = append(b, ',')
		}
		over := c.ranks == 0 && len(m) > c.exportFor
		under := 0
		if c.ranks == 0 && !over {
			under = c.exportFor - len(m)
		}
		b = append(b, `{"@type":"CVR.CVRContest","ContestId":"contest-`...)
		b = strconv.AppendInt(b, int64(r.c+1), 10)
		b = append(b, `","Overvotes":`...)
		if over {
			b = append(b, `1,"Status":["overvoted"]`...)
		} else {
			b = append(b, '0')
		}
		b = append(b, `,"Undervotes":`...)
		b = strconv.AppendInt(b, int64(under), 10)
		b = append(b, `,"Selections":`...)
		b = strconv.AppendInt(b, int64(len(m)), 10)
		b = append(b, `,"CVRContestSelection":[`...)
		for x, sel := range m {
			if x > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"@type":"CVR.CVRContestSelection","ContestSelectionId":"cs-`...)
			b = strconv.AppendInt(b, int64(r.c+1), 10)
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(sel.Choice)+1, 10)
			b = append(b, `","OptionPosition":`...)
			b = strconv.AppendInt(b, int64(sel.Choice)+1, 10)
			if c.ranks > 0 {
				b = append(b, `,"Rank":`...)
				b = strconv.AppendInt(b, int64(sel.Rank), 10)
			}
			b = append(b, `,"SelectionPosition":[{"@type":"CVR.SelectionPosition","HasIndication":"yes","IsAllocable":"`...)
			if over {
				b = append(b, `no","NumberVotes":1}]}`...)
			} else {
				b = append(b, `yes","NumberVotes":1}]}`...)
			}
		}
		b = append(b, "]}"...)
	}
	return append(b, "]}]}"...)
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// nistDefinitions returns the JSON object of the report's definitions:
// ReportingDevice, GpUnit and Election.
func (s *Synth) nistDefinitions(lo, hi int64) ([]byte, error) {
	type obj = map[string]any
	var devices, units []obj
	seen := map[int32]bool{}
	for _, bt := range s.batches {
		if bt.first >= lo && bt.first < hi && !seen[bt.tab] {
			seen[bt.tab] = true
			devices = append(devices, obj{"@type": "CVR.ReportingDevice", "@id": strconv.Itoa(int(bt.tab)), "Name": "Tabulator " + strconv.Itoa(int(bt.tab))})
		}
	}
	units = append(units, obj{"@type": "CVR.GpUnit", "@id": "gp-election", "Type": "state", "Name": s.cfg.Name})
	for _, st := range s.styles {
		units = append(units, obj{"@type": "CVR.GpUnit", "@id": st.precinct, "Type": "precinct", "Name": st.precinct})
	}
	var cands, contests []obj
	for ci, c := range s.contests {
		ec := s.el.Contests[c.idx]
		var sels []obj
		for k, ch := range ec.Choices {
			sid := "cs-" + strconv.Itoa(ci+1) + "-" + strconv.Itoa(k+1)
			if ch.WriteIn {
				sels = append(sels, obj{"@type": "CVR.CandidateSelection", "@id": sid, "IsWriteIn": true})
				continue
			}
			cid := "cand-" + strconv.Itoa(ci+1) + "-" + strconv.Itoa(k+1)
			cands = append(cands, obj{"@type": "CVR.Candidate", "@id": cid, "Name": ch.Name})
			sels = append(sels, obj{"@type": "CVR.CandidateSelection", "@id": sid, "CandidateIds": []string{cid}})
		}
		variation := "plurality"
		switch c.spec.Kind {
		case SynthVoteForN:
			variation = "n-of-m"
		case SynthApproval:
			variation = "approval"
		case SynthRanked:
			variation = "rcv"
		}
		contests = append(contests, obj{"@type": "CVR.CandidateContest", "@id": "contest-" + strconv.Itoa(ci+1), "Name": c.spec.Name,
			"VoteVariation": variation, "VotesAllowed": c.exportFor, "NumberOfWinners": c.voteFor, "ContestSelection": sels})
	}
	election := obj{"@type": "CVR.Election", "@id": "election", "Name": s.cfg.Name, "ElectionScopeId": "gp-election", "Candidate": cands, "Contest": contests}
	b, err := json.Marshal(obj{"ReportingDevice": devices, "GpUnit": units, "Election": []obj{election}})
	if err != nil {
		return nil, fmt.Errorf("cvr: synth: nist-json: %w", err)
	}
	return b, nil
}

// WriteNISTXML writes the CVRs of jurisdiction jur ("" for all) as one
// NIST SP 1500-103 v1.0 CastVoteRecordReport in XML, namespace
// http://itl.nist.gov/ns/voting/1500-103/v1, as nist_xml.go reads it: the
// same report as WriteNISTJSON, elements in the schema's order (CVR, then
// Election, GeneratedDate, GpUnit, ReportGeneratingDeviceIds,
// ReportingDevice, ReportType, Version), references by ObjectId.
func (s *Synth) WriteNISTXML(w io.Writer, jur string) error {
	lo, hi, err := s.jurRange(jur)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, synthBufSize)
	bw.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<CastVoteRecordReport xmlns="http://itl.nist.gov/ns/voting/1500-103/v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` + "\n")
	g := s.newGen()
	var b []byte
	for i := lo; i < hi; i++ {
		g.gen(i)
		if g.missing {
			continue
		}
		b = s.appendNISTXMLCVR(b[:0], g)
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("cvr: synth: nist-xml: %w", err)
		}
	}
	b = s.appendNISTXMLDefinitions(b[:0], lo, hi)
	bw.Write(b)
	bw.WriteString("</CastVoteRecordReport>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cvr: synth: nist-xml: %w", err)
	}
	return nil
}

// appendXMLText appends s escaped as XML character data.
func appendXMLText(b []byte, s string) []byte {
	w := byteWriter{b: b}
	xml.EscapeText(&w, []byte(s))
	return w.b
}

func (s *Synth) appendNISTXMLCVR(b []byte, g *synthGen) []byte {
	st := &s.styles[g.style]
	b = append(b, "<CVR><BallotAuditId>"...)
	b = append(b, g.idBuf...)
	b = append(b, "</BallotAuditId><BallotSheetId>"...)
	b = strconv.AppendInt(b, g.i%int64(s.k)+1, 10)
	b = append(b, "</BallotSheetId><BallotStyleId>"...)
	b = appendXMLText(b, st.name)
	b = append(b, "</BallotStyleId><BallotStyleUnitId>"...)
	b = appendXMLText(b, st.precinct)
	b = append(b, "</BallotStyleUnitId><BatchId>"...)
	b = append(b, g.numStr...)
	b = append(b, "</BatchId><BatchSequenceId>"...)
	b = strconv.AppendInt(b, g.pos, 10)
	b = append(b, "</BatchSequenceId><CreatingDeviceId>"...)
	b = append(b, g.tabStr...)
	b = append(b, "</CreatingDeviceId><CurrentSnapshotId>ss-"...)
	b = append(b, g.idBuf...)
	b = append(b, `</CurrentSnapshotId><CVRSnapshot ObjectId="ss-`...)
	b = append(b, g.idBuf...)
	b = append(b, `">`...)
	for k := range g.raw {
		r := &g.raw[k]
		c := &s.contests[r.c]
		m := g.marks[r.cvr[0]:r.cvr[1]]
		over := c.ranks == 0 && len(m) > c.exportFor
		under := 0
		if c.ranks == 0 && !over {
			under = c.exportFor - len(m)
		}
		b = append(b, "<CVRContest><ContestId>contest-"...)
		b = strconv.AppendInt(b, int64(r.c+1), 10)
		b = append(b, "</ContestId>"...)
		for _, sel := range m {
			b = append(b, "<CVRContestSelection><ContestSelectionId>cs-"...)
			b = strconv.AppendInt(b, int64(r.c+1), 10)
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(sel.Choice)+1, 10)
			b = append(b, "</ContestSelectionId><OptionPosition>"...)
			b = strconv.AppendInt(b, int64(sel.Choice)+1, 10)
			b = append(b, "</OptionPosition>"...)
			if c.ranks > 0 {
				b = append(b, "<Rank>"...)
				b = strconv.AppendInt(b, int64(sel.Rank), 10)
				b = append(b, "</Rank>"...)
			}
			b = append(b, "<SelectionPosition><HasIndication>yes</HasIndication><IsAllocable>"...)
			if over {
				b = append(b, "no"...)
			} else {
				b = append(b, "yes"...)
			}
			b = append(b, "</IsAllocable><NumberVotes>1</NumberVotes></SelectionPosition></CVRContestSelection>"...)
		}
		b = append(b, "<Overvotes>"...)
		if over {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
		b = append(b, "</Overvotes><Selections>"...)
		b = strconv.AppendInt(b, int64(len(m)), 10)
		b = append(b, "</Selections>"...)
		if over {
			b = append(b, "<Status>overvoted</Status>"...)
		}
		b = append(b, "<Undervotes>"...)
		b = strconv.AppendInt(b, int64(under), 10)
		b = append(b, "</Undervotes></CVRContest>"...)
	}
	b = append(b, "<Type>original</Type></CVRSnapshot><ElectionId>election</ElectionId><UniqueId>"...)
	b = append(b, g.idBuf...)
	return append(b, "</UniqueId></CVR>\n"...)
}

func (s *Synth) appendNISTXMLDefinitions(b []byte, lo, hi int64) []byte {
	b = append(b, `<Election ObjectId="election">`...)
	for ci, c := range s.contests {
		for k, ch := range s.el.Contests[c.idx].Choices {
			if !ch.WriteIn {
				b = fmt.Appendf(b, `<Candidate ObjectId="cand-%d-%d"><Name>`, ci+1, k+1)
				b = appendXMLText(b, ch.Name)
				b = append(b, "</Name></Candidate>"...)
			}
		}
	}
	for ci, c := range s.contests {
		variation := map[SynthKind]string{SynthPlurality: "plurality", SynthVoteForN: "n-of-m", SynthApproval: "approval", SynthRanked: "rcv"}[c.spec.Kind]
		b = fmt.Appendf(b, `<Contest ObjectId="contest-%d" xsi:type="CandidateContest">`, ci+1)
		for k, ch := range s.el.Contests[c.idx].Choices {
			b = fmt.Appendf(b, `<ContestSelection ObjectId="cs-%d-%d" xsi:type="CandidateSelection">`, ci+1, k+1)
			if ch.WriteIn {
				b = append(b, "<IsWriteIn>true</IsWriteIn>"...)
			} else {
				b = fmt.Appendf(b, "<CandidateIds>cand-%d-%d</CandidateIds>", ci+1, k+1)
			}
			b = append(b, "</ContestSelection>"...)
		}
		b = append(b, "<Name>"...)
		b = appendXMLText(b, c.spec.Name)
		b = fmt.Appendf(b, "</Name><VoteVariation>%s</VoteVariation><NumberOfWinners>%d</NumberOfWinners><VotesAllowed>%d</VotesAllowed></Contest>", variation, c.voteFor, c.exportFor)
	}
	b = append(b, "<ElectionScopeId>gp-election</ElectionScopeId><Name>"...)
	b = appendXMLText(b, s.cfg.Name)
	b = append(b, "</Name></Election>\n<GeneratedDate>2026-01-01T00:00:00Z</GeneratedDate>\n"...)
	b = append(b, `<GpUnit ObjectId="gp-election"><Name>`...)
	b = appendXMLText(b, s.cfg.Name)
	b = append(b, "</Name><Type>state</Type></GpUnit>\n"...)
	for _, st := range s.styles {
		b = append(b, `<GpUnit ObjectId="`...)
		b = appendXMLText(b, st.precinct)
		b = append(b, `"><Name>`...)
		b = appendXMLText(b, st.precinct)
		b = append(b, "</Name><Type>precinct</Type></GpUnit>\n"...)
	}
	b = append(b, "<ReportGeneratingDeviceIds>rla-synth</ReportGeneratingDeviceIds>\n"...)
	seen := map[int32]bool{}
	for _, bt := range s.batches {
		if bt.first >= lo && bt.first < hi && !seen[bt.tab] {
			seen[bt.tab] = true
			b = fmt.Appendf(b, "<ReportingDevice ObjectId=\"%d\"><Name>Tabulator %d</Name></ReportingDevice>\n", bt.tab, bt.tab)
		}
	}
	return append(b, "<ReportType>originating-device-export</ReportType>\n<Version>1.0.0</Version>\n"...)
}
