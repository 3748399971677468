package cvr

import (
	"bufio"
	"fmt"
	"strconv"
)

// essOrdinal spells rank r as ES&S heads its ranked columns: 1st, 2nd, ...
func essOrdinal(r int) string {
	suffix := "th"
	if r%100 < 11 || r%100 > 13 {
		switch r % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(r) + suffix
}

// essCheck says why s cannot be written as an ES&S export, if it cannot:
// one cell per contest holds one choice, so vote-for-N and approval
// contests do not fit (FORMATS.md section b).
func (s *Synth) essCheck() error {
	for _, c := range s.contests {
		if c.spec.Kind == SynthVoteForN || c.spec.Kind == SynthApproval {
			return fmt.Errorf("cvr: synth: ess: contest %q is %s; ES&S exports hold one choice per cell (plurality and ranked contests only)", c.spec.Name, c.spec.Kind)
		}
	}
	return nil
}

// WriteESS writes the CVRs of jurisdiction jur ("" for all) as an ES&S
// export through create, as ess.go reads it: "CVR_Export.csv" (Cast Vote
// Record, Precinct, Ballot Style, then one column per plurality contest
// and one per rank of a ranked contest, "<Contest> 1st Choice", each cell a
// choice name, "overvote", "undervote", or empty when the contest is not on
// the card) and "Ballots.csv" (the five preamble rows, one row per card
// with its Batch, Reporting Group, a 16-hexadecimal-digit imprinted
// Tabulator CVR, and Machine, the tabulator; then a "Total : N" row). The
// Cast Vote Record number is the card's index plus one, so numbers are
// ordered, unique across jurisdictions, and skip the missing cards, as
// real ones skip. ES&S records no position: the reader numbers the cards
// of a batch 1, 2, ... in Cast Vote Record order, so positions after a
// missing card differ from the manifest's by the cards missing before
// them.
func (s *Synth) WriteESS(create CreateFunc, jur string) error {
	if err := s.essCheck(); err != nil {
		return err
	}
	lo, hi, err := s.jurRange(jur)
	if err != nil {
		return err
	}
	cvrFile, err := create("CVR_Export.csv")
	if err != nil {
		return err
	}
	defer cvrFile.Close()
	ballotsFile, err := create("Ballots.csv")
	if err != nil {
		return err
	}
	defer ballotsFile.Close()
	cw := bufio.NewWriterSize(cvrFile, synthBufSize)
	bw := bufio.NewWriterSize(ballotsFile, synthBufSize)

	// Headers.
	var b []byte
	b = append(b, "Cast Vote Record,Precinct,Ballot Style"...)
	col := make([]int, len(s.contests)) // first column of each contest, after the 3 metadata columns
	ncols := 0
	for ci, c := range s.contests {
		col[ci] = ncols
		if c.ranks == 0 {
			b = synthCSVField(append(b, ','), c.spec.Name)
			ncols++
			continue
		}
		for r := 1; r <= c.ranks; r++ {
			b = synthCSVField(append(b, ','), c.spec.Name+" "+essOrdinal(r)+" Choice")
			ncols++
		}
	}
	cw.Write(append(b, '\r', '\n'))
	bw.WriteString("Ballots\r\nSYNTH" + strconv.FormatUint(s.cfg.Seed%100000, 10) + "\r\n")
	b = synthCSVField(b[:0], s.cfg.Name)
	bw.Write(append(b, '\r', '\n'))
	bw.WriteString("01/01/2026\r\n\r\n")
	bw.WriteString("Cast Vote Record,Batch,Ballot Status,Original Ballot Exception,Remaining Ballot Exception,Write-in Type,Results Report,Ballot Style,Reporting Group,Tabulator CVR,Precinct,Machine\r\n")

	cells := make([]string, ncols)
	g := s.newGen()
	var rows int64
	var eb []byte
	for i := lo; i < hi; i++ {
		g.gen(i)
		if g.missing {
			continue
		}
		rows++
		clear(cells)
		exception := ""
		for k := range g.raw {
			r := &g.raw[k]
			c := &s.contests[r.c]
			m := g.marks[r.cvr[0]:r.cvr[1]]
			names := s.el.Contests[c.idx].Choices
			if c.ranks == 0 {
				switch {
				case len(m) > 1:
					cells[col[r.c]] = "overvote"
					exception = essException(exception, "Overvote")
				case len(m) == 0:
					cells[col[r.c]] = "undervote"
					exception = essException(exception, "Undervote")
				default:
					cells[col[r.c]] = names[m[0].Choice].Name
				}
				continue
			}
			for rank := 1; rank <= c.ranks; rank++ {
				cell := "undervote"
				for _, x := range m {
					if int(x.Rank) != rank {
						continue
					}
					if cell == "undervote" {
						cell = names[x.Choice].Name
					} else {
						cell = "overvote"
					}
				}
				cells[col[r.c]+rank-1] = cell
			}
		}
		st := &s.styles[g.style]
		bt := &s.batches[g.batch]
		num := i + 1
		b = strconv.AppendInt(b[:0], num, 10)
		b = synthCSVField(append(b, ','), st.precinct)
		b = synthCSVField(append(b, ','), st.name)
		for _, x := range cells {
			b = synthCSVField(append(b, ','), x)
		}
		if _, err := cw.Write(append(b, '\r', '\n')); err != nil {
			return fmt.Errorf("cvr: synth: ess: CVR_Export.csv: %w", err)
		}
		eb = strconv.AppendInt(eb[:0], num, 10)
		eb = append(append(eb, ','), g.numStr...)
		eb = append(eb, ",Processed,"...)
		eb = synthCSVField(eb, exception)
		eb = append(eb, ",,,Yes,"...)
		eb = synthCSVField(eb, st.name)
		eb = append(append(eb, ','), s.countingGroup(bt)...)
		eb = fmt.Appendf(eb, ",%016X,", synthMix(s.cardKey^uint64(i)))
		eb = synthCSVField(eb, st.precinct)
		eb = append(append(eb, ','), g.tabStr...)
		if _, err := bw.Write(append(eb, '\r', '\n')); err != nil {
			return fmt.Errorf("cvr: synth: ess: Ballots.csv: %w", err)
		}
	}
	fmt.Fprintf(bw, "Total : %d\r\n", rows)
	if err := cw.Flush(); err != nil {
		return fmt.Errorf("cvr: synth: ess: CVR_Export.csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cvr: synth: ess: Ballots.csv: %w", err)
	}
	if err := cvrFile.Close(); err != nil {
		return fmt.Errorf("cvr: synth: ess: CVR_Export.csv: %w", err)
	}
	if err := ballotsFile.Close(); err != nil {
		return fmt.Errorf("cvr: synth: ess: Ballots.csv: %w", err)
	}
	return nil
}

// essException adds kind to the exception list of a ballots row, as ES&S
// writes "Undervote, Overvote".
func essException(list, kind string) string {
	switch {
	case list == "":
		return kind
	case list == kind || len(list) > len(kind) && (list[:len(kind)] == kind || list[len(list)-len(kind):] == kind):
		return list
	}
	if kind == "Undervote" {
		return kind + ", " + list
	}
	return list + ", " + kind
}
