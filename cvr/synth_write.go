package cvr

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// synthBufSize is the buffer of the streaming writers: large enough that
// a write system call moves a good share of a megabyte.
const synthBufSize = 256 << 10

// CreateFunc creates the named file of a multi-file export (a name
// relative to the export's folder, with "/" separators). DirCreate writes
// under a folder; tests and benchmarks can keep the files in memory or
// discard them.
type CreateFunc func(name string) (io.WriteCloser, error)

// DirCreate returns a CreateFunc that creates files under dir, making
// sub-folders as needed.
func DirCreate(dir string) CreateFunc {
	return func(name string) (io.WriteCloser, error) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, fmt.Errorf("cvr: synth: %w", err)
		}
		f, err := os.Create(p)
		if err != nil {
			return nil, fmt.Errorf("cvr: synth: %w", err)
		}
		return f, nil
	}
}

// jurRange returns the cards of jurisdiction jur ("" for all of them).
func (s *Synth) jurRange(jur string) (int64, int64, error) {
	if jur == "" {
		return 0, int64(s.cfg.Cards), nil
	}
	for _, j := range s.jurs {
		if j.name == jur {
			return j.firstCard, j.endCard, nil
		}
	}
	return 0, 0, fmt.Errorf("cvr: synth: no jurisdiction %q", jur)
}

// WriteManifest writes the ballot manifest as CSV:
// "Tabulator,Batch Name,Number of Ballots", with a leading Jurisdiction
// column when there is more than one jurisdiction. ReadManifest reads it.
func (s *Synth) WriteManifest(w io.Writer) error {
	cw := csv.NewWriter(w)
	m := s.Manifest()
	head := []string{"Tabulator", "Batch Name", "Number of Ballots"}
	if m.Jurisdictions {
		head = append([]string{"Jurisdiction"}, head...)
	}
	cw.Write(head)
	for _, b := range m.Batches {
		row := []string{b.Tabulator, b.Name, strconv.Itoa(b.Cards)}
		if m.Jurisdictions {
			row = append([]string{b.Jurisdiction}, row...)
		}
		cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cvr: synth: manifest: %w", err)
	}
	return nil
}

// WriteResults writes the reported results as CSV "contest,choice,votes",
// which ReadResults reads.
func (s *Synth) WriteResults(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"contest", "choice", "votes"})
	for _, r := range s.Results().Rows {
		cw.Write([]string{r.Contest, r.Choice, strconv.FormatInt(r.Votes, 10)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cvr: synth: results: %w", err)
	}
	return nil
}

// TruthHeader is the header of the file WriteTruth writes.
const TruthHeader = "card_id,jurisdiction,tabulator,batch,position,contest,status,cvr,paper"

// WriteTruth writes, as CSV with the header TruthHeader, the cards whose
// paper differs from their CVR: one row per contest with an injected error
// (status o1, o2, u1 or u2) and, for each missing card, one row per contest
// on it (status "missing"; a row with an empty contest when the card holds
// none). cvr and paper list the marked choices separated by "; ", each
// "rank:name" in a ranked contest; an empty cell is a blank contest. The
// file stays small (the errors and missing cards only), so tests and audit
// simulations can load it whole; every other card's paper equals its CVR.
func (s *Synth) WriteTruth(w io.Writer) error {
	bw := bufio.NewWriterSize(w, synthBufSize)
	cw := csv.NewWriter(bw)
	cw.Write(strings.Split(TruthHeader, ","))
	g := s.newGen()
	var sb strings.Builder
	marks := func(c *Contest, m []Selection) string {
		sb.Reset()
		for k, x := range m {
			if k > 0 {
				sb.WriteString("; ")
			}
			if c.Ranked() {
				sb.WriteString(strconv.Itoa(int(x.Rank)))
				sb.WriteByte(':')
			}
			sb.WriteString(c.Choices[x.Choice].Name)
		}
		return sb.String()
	}
	row := make([]string, 9)
	for i := range int64(s.cfg.Cards) {
		g.gen(i)
		if !g.missing && !g.anyError() {
			continue
		}
		bt := &s.batches[g.batch]
		row[0], row[1], row[2], row[3], row[4] = string(g.idBuf), s.jurs[bt.jur].name, g.tabStr, g.numStr, strconv.FormatInt(g.pos, 10)
		if g.missing && len(g.raw) == 0 {
			row[5], row[6], row[7], row[8] = "", "missing", "", ""
			cw.Write(row)
		}
		for k := range g.raw {
			r := &g.raw[k]
			if !g.missing && r.kind == NoDiscrepancy {
				continue
			}
			c := s.el.Contests[s.contests[r.c].idx]
			row[5] = c.Name
			if g.missing {
				row[6], row[7] = "missing", ""
			} else {
				row[6], row[7] = r.kind.String(), marks(c, g.marks[r.cvr[0]:r.cvr[1]])
			}
			row[8] = marks(c, g.marks[r.paper[0]:r.paper[1]])
			cw.Write(row)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cvr: synth: truth: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cvr: synth: truth: %w", err)
	}
	return nil
}

func (g *synthGen) anyError() bool {
	for k := range g.raw {
		if g.raw[k].kind != NoDiscrepancy {
			return true
		}
	}
	return false
}

// SynthFormats lists the CVR formats WriteExport writes, each read back by
// the reader of the same name. "ess" takes plurality and ranked contests
// only; "hart" writes one file per card.
var SynthFormats = []string{"dominion-csv", "dominion-json", "clearballot", "nist-json", "nist-xml", "ess", "hart"}

// CanWrite reports why s cannot be written in the named format, or nil
// when it can, so that a caller can refuse before writing anything.
func (s *Synth) CanWrite(format string) error {
	if !slices.Contains(SynthFormats, format) {
		return fmt.Errorf("cvr: synth: cannot write format %q (can: %s)", format, strings.Join(SynthFormats, ", "))
	}
	switch format {
	case "ess":
		return s.essCheck()
	case "hart":
		return s.hartCheck()
	}
	return nil
}

// WriteExport writes the CVR export in the named format through create,
// one export per jurisdiction (in a folder named after it when there are
// several), and returns the names of the files written. See SynthFormats.
func (s *Synth) WriteExport(format string, create CreateFunc) ([]string, error) {
	if err := s.CanWrite(format); err != nil {
		return nil, err
	}
	var names []string
	for _, jur := range s.Jurisdictions() {
		prefix := ""
		if jur != "" {
			prefix = jur + "/"
		}
		sub := func(name string) (io.WriteCloser, error) {
			names = append(names, prefix+name)
			return create(prefix + name)
		}
		var err error
		switch format {
		case "dominion-csv":
			err = writeOne(sub, "CVR_Export.csv", func(w io.Writer) error { return s.WriteDominionCSV(w, jur) })
		case "dominion-json":
			err = s.WriteDominionJSON(sub, jur)
		case "clearballot":
			err = writeOne(sub, "ClearBallot_CVR.csv", func(w io.Writer) error { return s.WriteClearBallot(w, jur) })
		case "ess":
			err = s.WriteESS(sub, jur)
		case "hart":
			err = s.WriteHart(sub, jur)
		case "nist-json":
			err = writeOne(sub, "CastVoteRecordReport.json", func(w io.Writer) error { return s.WriteNISTJSON(w, jur) })
		case "nist-xml":
			err = writeOne(sub, "CastVoteRecordReport.xml", func(w io.Writer) error { return s.WriteNISTXML(w, jur) })
		default:
			return nil, fmt.Errorf("cvr: synth: cannot write format %q (can: %s)", format, strings.Join(SynthFormats, ", "))
		}
		if err != nil {
			return names, err
		}
	}
	return names, nil
}

// writeOne creates one file, writes it with write and closes it.
func writeOne(create CreateFunc, name string, write func(io.Writer) error) error {
	f, err := create(name)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("cvr: synth: %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cvr: synth: %s: %w", name, err)
	}
	return nil
}

// WriteBatchTallies writes the vote counts of every batch, or of the
// batches keep accepts (keep nil: all), as the CSV a batch comparison or
// hybrid audit takes: jurisdiction (with several jurisdictions), tabulator,
// batch, contest, choice, votes; one row per choice of every contest on
// the batch's cards. paper false counts the CVRs (the reported counts:
// missing cards count nothing), true the paper (what a hand count finds).
func (s *Synth) WriteBatchTallies(w io.Writer, paper bool, keep func(BatchKey) bool) error {
	tallies := map[BatchKey]*Tally{}
	var order []BatchKey
	for c := range s.All() {
		k := c.CVR.Batch
		if keep != nil && !keep(k) {
			continue
		}
		t := tallies[k]
		if t == nil {
			t = &Tally{Election: s.el}
			tallies[k] = t
			order = append(order, k)
		}
		switch {
		case paper:
			t.Add(&c.Paper)
		case !c.Missing:
			t.Add(&c.CVR)
		}
	}
	cw := csv.NewWriter(w)
	jur := s.cfg.Jurisdictions > 1
	header := []string{"tabulator", "batch", "contest", "choice", "votes"}
	if jur {
		header = append([]string{"jurisdiction"}, header...)
	}
	cw.Write(header)
	for _, k := range order {
		t := tallies[k]
		t.grow()
		for ci, ct := range t.Contests {
			if ct.Cards == 0 {
				continue
			}
			ec := s.el.Contest(ContestIndex(ci))
			for j, n := range ct.Votes {
				row := []string{k.Tabulator, k.Batch, ec.Name, ec.Choices[j].Name, strconv.FormatInt(n, 10)}
				if jur {
					row = append([]string{k.Jurisdiction}, row...)
				}
				cw.Write(row)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("cvr: synth: batch tallies: %w", err)
	}
	return nil
}
