package cvr

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
)

// cbFixedHeader are the fixed columns of a Clear Ballot CVR CSV.
var cbFixedHeader = []string{"RowNumber", "BoxID", "BoxPosition", "BallotID", "PrecinctID", "BallotStyleID", "PrecinctStyleName", "ScanComputerName", "Status", "Remade"}

// WriteClearBallot writes the CVRs of jurisdiction jur ("" for all) as a
// Clear Ballot ClearVote CVR CSV (FORMATS.md section d), as clearballot.go
// reads it: the fixed columns, then one column per choice (per choice and
// rank for a ranked contest, rank-major) headed
// "Choice_<contest>_<choice>:<Contest>:[<rank>:]Vote For <K>:<Choice>:NP".
// The scanner is the tabulator, the box the batch, BoxPosition the
// position and BallotID the card ID. Cells are 1, 0, or empty when the
// contest is not on the card.
func (s *Synth) WriteClearBallot(w io.Writer, jur string) error {
	lo, hi, err := s.jurRange(jur)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, synthBufSize)
	start, ncols := s.synthColumns()
	var b []byte
	for k, h := range cbFixedHeader {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, h...)
	}
	for ci := range s.contests {
		c := &s.contests[ci]
		choices := s.el.Contests[c.idx].Choices
		for x := range c.choices * max(c.ranks, 1) {
			k := x % c.choices
			h := "Choice_" + strconv.Itoa(ci+1) + "_" + strconv.Itoa(k+1) + ":" + c.spec.Name + ":"
			if c.ranks > 0 {
				h += strconv.Itoa(x/c.choices+1) + ":Vote For 1:"
			} else {
				h += "Vote For " + strconv.Itoa(c.exportFor) + ":"
			}
			h += choices[k].Name + ":NP"
			b = synthCSVField(append(b, ','), h)
		}
	}
	b = append(b, '\r', '\n')
	if _, err := bw.Write(b); err != nil {
		return fmt.Errorf("cvr: synth: clearballot: %w", err)
	}
	cells := make([]byte, ncols)
	g := s.newGen()
	var row int64
	for i := lo; i < hi; i++ {
		g.gen(i)
		if g.missing {
			continue
		}
		row++
		g.voteCells(cells, start)
		st := &s.styles[g.style]
		b = strconv.AppendInt(b[:0], row, 10)
		b = append(append(b, ','), g.numStr...)
		b = strconv.AppendInt(append(b, ','), g.pos, 10)
		b = append(append(b, ','), g.idBuf...)
		b = synthCSVField(append(b, ','), st.precinct)
		b = synthCSVField(append(b, ','), st.name)
		b = synthCSVField(append(b, ','), st.precinct+" "+st.name)
		b = append(append(b, ','), g.tabStr...)
		b = append(b, ",0,0"...)
		for _, x := range cells {
			b = append(b, ',')
			if x != 0 {
				b = append(b, x)
			}
		}
		b = append(b, '\r', '\n')
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("cvr: synth: clearballot: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cvr: synth: clearballot: %w", err)
	}
	return nil
}
