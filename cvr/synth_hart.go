package cvr

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
)

// hartCheck says why s cannot be written as a Hart export, if it cannot: a
// ranked contest's Value is a bit string with one character per rank, and
// a one-character Value reads as a plurality vote.
func (s *Synth) hartCheck() error {
	for _, c := range s.contests {
		if c.spec.Kind == SynthRanked && c.ranks < 2 {
			return fmt.Errorf("cvr: synth: hart: ranked contest %q has %d rank; Hart's rank bit strings need 2 or more", c.spec.Name, c.ranks)
		}
	}
	return nil
}

// hartGUID is the CvrGuid of card i: a GUID-shaped name made from the seed,
// as unordered as real ones.
func (s *Synth) hartGUID(b []byte, i int64) []byte {
	h1 := synthMix(s.cardKey ^ uint64(i))
	h2 := synthMix(h1 ^ 0x6861727467756964) // "hartguid"
	return fmt.Appendf(b, "%08x-%04x-%04x-%04x-%012x", h1>>32, h1>>16&0xffff, h1&0xffff, h2>>48, h2&0xffffffffffff)
}

// WriteHart writes the CVRs of jurisdiction jur ("" for all) as a Hart
// Verity export through create, as hart.go reads it: one
// "<CvrGuid>.xml" per card (sheet) in namespace
// http://tempuri.org/CVRDesign.xsd, with a byte-order mark and no newlines
// as Verity writes them, listing only the selected options (Value 1, or a
// bit string of ranks for a ranked contest), Undervotes when fewer than
// the allowed votes are marked, and an empty Overvoted element on an
// overvoted contest; plus "ScannedBallotInformation.csv", which gives each
// CvrGuid its tabulator (Workstation), imprinted ID (UniqueIdentifier, the
// card ID of the other formats) and counting group (VotingType), since the
// XML names no tabulator. BatchSequence is the card's position and
// SheetNumber its sheet. A Verity export of 20 million cards is 20 million
// files: prefer another format for very large elections.
func (s *Synth) WriteHart(create CreateFunc, jur string) error {
	if err := s.hartCheck(); err != nil {
		return err
	}
	lo, hi, err := s.jurRange(jur)
	if err != nil {
		return err
	}
	info, err := create("ScannedBallotInformation.csv")
	if err != nil {
		return err
	}
	defer info.Close()
	iw := bufio.NewWriterSize(info, synthBufSize)
	iw.WriteString("#FormatVersion 1\r\n#BatchId,Workstation,VotingType,VotingMethod,ScanSequence,Precinct,PageNumber,UniqueIdentifier,VariationNumber,Language,Party,Status,RejectReason,VoterIntentIssues,vDriveDeviceDataId,CvrId\r\n")
	optionIDs := make([][]string, len(s.contests))
	for ci, c := range s.contests {
		for k := range c.choices {
			optionIDs[ci] = append(optionIDs[ci], "option-"+strconv.Itoa(ci+1)+"-"+strconv.Itoa(k+1))
		}
	}
	g := s.newGen()
	var guid, b []byte
	bits := make([]byte, 0, MaxRanks)
	esc := func(b []byte, s string) []byte {
		var w byteWriter
		w.b = b
		xml.EscapeText(&w, []byte(s))
		return w.b
	}
	for i := lo; i < hi; i++ {
		g.gen(i)
		if g.missing {
			continue
		}
		guid = s.hartGUID(guid[:0], i)
		bt := &s.batches[g.batch]
		st := &s.styles[g.style]
		b = append(b[:0], "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?><Cvr xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns=\""+hartNamespace+"\"><Contests>"...)
		for k := range g.raw {
			r := &g.raw[k]
			c := &s.contests[r.c]
			m := g.marks[r.cvr[0]:r.cvr[1]]
			names := s.el.Contests[c.idx].Choices
			b = append(b, "<Contest><Name>"...)
			b = esc(b, c.spec.Name)
			b = append(b, "</Name><Id>contest-"...)
			b = strconv.AppendInt(b, int64(r.c+1), 10)
			b = append(b, "</Id><Options>"...)
			// One Option per choice marked, its ranks in one bit string.
			for x, sel := range m {
				if c.ranks > 0 && slicesContainsChoice(m[:x], sel.Choice) {
					continue
				}
				b = append(b, "<Option>"...)
				if !names[sel.Choice].WriteIn {
					b = append(b, "<Name>"...)
					b = esc(b, names[sel.Choice].Name)
					b = append(b, "</Name>"...)
				}
				b = append(b, "<Id>"...)
				b = append(b, optionIDs[r.c][sel.Choice]...)
				b = append(b, "</Id><Value>"...)
				if c.ranks > 0 {
					bits = bits[:0]
					for range c.ranks {
						bits = append(bits, '0')
					}
					for _, y := range m[x:] {
						if y.Choice == sel.Choice {
							bits[y.Rank-1] = '1'
						}
					}
					b = append(b, bits...)
				} else {
					b = append(b, '1')
				}
				b = append(b, "</Value>"...)
				if names[sel.Choice].WriteIn {
					b = append(b, "<WriteInData><Text></Text><ImageId>"...)
					b = append(b, guid...)
					b = append(b, "</ImageId><WriteInDataStatus>Unresolved</WriteInDataStatus></WriteInData>"...)
				}
				b = append(b, "</Option>"...)
			}
			b = append(b, "</Options>"...)
			switch {
			case c.ranks == 0 && len(m) > c.exportFor:
				b = append(b, "<Overvoted />"...)
			case c.ranks == 0 && len(m) < c.exportFor:
				b = append(b, "<Undervotes>"...)
				b = strconv.AppendInt(b, int64(c.exportFor-len(m)), 10)
				b = append(b, "</Undervotes>"...)
			case c.ranks > 0 && len(m) == 0:
				b = append(b, "<Undervotes>1</Undervotes>"...)
			}
			b = append(b, "</Contest>"...)
		}
		b = append(b, "</Contests><BatchSequence>"...)
		b = strconv.AppendInt(b, g.pos, 10)
		b = append(b, "</BatchSequence><SheetNumber>"...)
		b = strconv.AppendInt(b, g.i%int64(s.k)+1, 10)
		b = append(b, "</SheetNumber><PrecinctSplit><Name>"...)
		b = esc(b, st.precinct)
		b = append(b, "</Name><Id>"...)
		b = strconv.AppendInt(b, int64(g.style+1), 10)
		b = append(b, "</Id></PrecinctSplit><BatchNumber>"...)
		b = append(b, g.numStr...)
		b = append(b, "</BatchNumber><CvrGuid>"...)
		b = append(b, guid...)
		b = append(b, "</CvrGuid></Cvr>"...)
		if err := writeOne(create, string(guid)+".xml", func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
			return err
		}
		// Scanned Ballot Information row.
		row := fmt.Appendf(nil, "%s,%s,%s,Paper,%d,", g.numStr, g.tabStr, s.countingGroup(bt), g.pos)
		row = synthCSVField(row, st.precinct)
		row = fmt.Appendf(row, ",%d,%s,1,English,,Scanned,,,,%s\r\n", g.i%int64(s.k)+1, g.idBuf, guid)
		if _, err := iw.Write(row); err != nil {
			return fmt.Errorf("cvr: synth: hart: ScannedBallotInformation.csv: %w", err)
		}
	}
	if err := iw.Flush(); err != nil {
		return fmt.Errorf("cvr: synth: hart: ScannedBallotInformation.csv: %w", err)
	}
	if err := info.Close(); err != nil {
		return fmt.Errorf("cvr: synth: hart: ScannedBallotInformation.csv: %w", err)
	}
	return nil
}

func slicesContainsChoice(m []Selection, ch ChoiceIndex) bool {
	for _, x := range m {
		if x.Choice == ch {
			return true
		}
	}
	return false
}

// byteWriter appends to a byte slice, for xml.EscapeText.
type byteWriter struct{ b []byte }

func (w *byteWriter) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
