package cvr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
)

// NIST SP 1500-103 CVR report in JSON (see nist.go for the mapping). The
// top level is walked with the shared jsontext scanner; each CVR, and the
// definitions, are decoded one value at a time, leniently: a single value
// may stand for an array and numbers may be strings (FORMATS.md section e).

func init() {
	RegisterFormat(Format{
		Name:        "nist-json",
		Description: "NIST SP 1500-103 v1 cast vote record report, JSON",
		Detect:      detectNISTJSON,
		Read:        readNISTJSON,
	})
}

func detectNISTJSON(name string, head []byte) bool {
	h := bytes.TrimSpace(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF}))
	if len(h) == 0 || h[0] != '{' {
		return false
	}
	for _, s := range []string{`"CVR.CastVoteRecordReport"`, `"CVR.CVR"`, `"CVRSnapshot"`, `"CurrentSnapshotId"`} {
		if bytes.Contains(h, []byte(s)) {
			return true
		}
	}
	return false
}

func readNISTJSON(e *Election, files []File, opt Options) iter.Seq2[Card, error] {
	step := func(name string, i int) string { return "/" + name + "/" + strconv.Itoa(i) }
	return readNIST(e, files, opt, step, readNISTJSONFile)
}

func readNISTJSONFile(r *nistReader, f File, pass int, cvr func(where string, n int, cv *nistCVR) error) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("cvr: %s: %w", f.Name, err)
	}
	defer rc.Close()
	j := newJscan(f.Name, newUTF8Stream(rc))
	// value decodes the next value into v, naming its path (where) on error.
	value := func(where string, v any) error {
		raw, err := j.d.ReadValue()
		if err != nil {
			return j.wrap(err)
		}
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("cvr: %s %s: %w", f.Name, where, err)
		}
		return nil
	}
	n := 0
	err = j.object(func(name []byte) error {
		switch string(name) {
		case "CVR":
			return j.array(func() error {
				var cv nistCVR
				where := "/CVR/" + strconv.Itoa(n)
				if err := value(where, &cv); err != nil {
					return err
				}
				n++
				return cvr(where, n, &cv)
			})
		case "Election":
			if pass == 2 {
				return j.skip()
			}
			var els nistList[nistElection]
			if err := value("/Election", &els); err != nil {
				return err
			}
			for i := range els {
				r.addElection(f.Name, &els[i])
			}
		case "GpUnit", "ReportingDevice", "Party":
			if pass == 2 {
				return j.skip()
			}
			var units nistList[nistUnit]
			if err := value("/"+string(name), &units); err != nil {
				return err
			}
			for _, u := range units {
				if string(name) == "Party" {
					r.addParty(u)
				} else {
					r.addUnit(u)
				}
			}
		default:
			return j.skip()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 && pass == 1 {
		r.opt.warn(f.Name, "/CVR", "the report holds no CVR")
	}
	return nil
}
