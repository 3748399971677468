package cvr

import (
	"encoding/xml"
	"fmt"
	"io"
	"iter"
	"strconv"
)

// NIST SP 1500-103 CVR report in XML (see nist.go for the mapping). The
// report is read token by token: each child of CastVoteRecordReport (one
// CVR, the Election, a GpUnit...) is decoded on its own and the rest
// skipped, so a report of any size is never held in memory. Any namespace
// is accepted for a root named CastVoteRecordReport, so that the Unisyn
// pre-release dialect (namespace "NIST_V0_cast_vote_records.xsd")
// reads too.

func init() {
	RegisterFormat(Format{
		Name:        "nist-xml",
		Description: "NIST SP 1500-103 v1 cast vote record report, XML",
		Detect:      detectNISTXML,
		Read:        readNISTXML,
	})
}

func detectNISTXML(name string, head []byte) bool {
	return xmlRootName(head) == "CastVoteRecordReport"
}

func readNISTXML(e *Election, files []File, opt Options) iter.Seq2[Card, error] {
	step := func(name string, i int) string { return "/" + name + "[" + strconv.Itoa(i+1) + "]" }
	return readNIST(e, files, opt, step, readNISTXMLFile)
}

func readNISTXMLFile(r *nistReader, f File, pass int, cvr func(where string, n int, cv *nistCVR) error) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	defer rc.Close()
	d := newXMLDecoder(rc)
	inRoot := false
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if !inRoot {
				return fmt.Errorf("cvr: %s: no CastVoteRecordReport element", f.Name)
			}
			return fmt.Errorf("cvr: %s: %w: the report ends before </CastVoteRecordReport>", f.Name, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return xmlError(f.Name, d, err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if n == 0 && pass == 1 {
				r.opt.warn(f.Name, "/CastVoteRecordReport", "the report holds no CVR")
			}
			return nil // the end of the root: anything after is not read
		case xml.StartElement:
			if !inRoot {
				if t.Name.Local != "CastVoteRecordReport" {
					return fmt.Errorf("cvr: %s: root element %s, want CastVoteRecordReport", f.Name, t.Name.Local)
				}
				inRoot = true
				continue
			}
			line, _ := d.InputPos()
			var v any
			switch t.Name.Local {
			case "CVR":
				n++
				var cv nistCVR
				if err := d.DecodeElement(&cv, &t); err != nil {
					return xmlError(f.Name, d, err)
				}
				if err := cvr(fmt.Sprintf("line %d /CastVoteRecordReport/CVR[%d]", line, n), n, &cv); err != nil {
					return err
				}
				continue
			case "Election":
				v = &nistElection{}
			case "GpUnit", "ReportingDevice", "Party":
				v = &nistUnit{}
			}
			if v == nil || pass == 2 {
				if err := d.Skip(); err != nil {
					return xmlError(f.Name, d, err)
				}
				continue
			}
			if err := d.DecodeElement(v, &t); err != nil {
				return xmlError(f.Name, d, err)
			}
			switch v := v.(type) {
			case *nistElection:
				r.addElection(f.Name, v)
			case *nistUnit:
				if t.Name.Local == "Party" {
					r.addParty(*v)
				} else {
					r.addUnit(*v)
				}
			}
		}
	}
}
