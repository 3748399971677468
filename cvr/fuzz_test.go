package cvr

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The fuzz targets feed arbitrary bytes to the readers: any input must give
// cards or an error naming the file ("cvr: NAME ..."), never a panic, and
// the cards must tabulate.
//
//	go test -run '^$' -fuzz FuzzDominionJSON -fuzztime 60s ./cvr/

func checkRead(t *testing.T, e *Election, seqErr error, cards *Cards, name string, pools ...*Pool) {
	if seqErr != nil {
		if !strings.HasPrefix(seqErr.Error(), "cvr: "+name) {
			t.Fatalf("error does not name the file: %v", seqErr)
		}
		return
	}
	tally, err := Tabulate(e, cards.All())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pools {
		tally.AddPool(p)
	}
	tally.Report() // runs IRV on the ranked contests
	for c := range cards.All() {
		for cv := range c.Votes.All() {
			if int(cv.Contest) >= len(e.Contests) {
				t.Fatalf("card %s: contest index %d out of range", c.ID, cv.Contest)
			}
			for i := range cv.Len() {
				if int(cv.Selection(i).Choice) >= len(e.Contests[cv.Contest].Choices) {
					t.Fatalf("card %s: choice index out of range", c.ID)
				}
			}
		}
	}
}

func FuzzDominionJSON(f *testing.F) {
	f.Add([]byte(djOld))
	f.Add([]byte(djNew))
	for _, p := range []string{"dominion-json/alaska-2024-general/CvrExport_1731.json", "dominion-json/alaska-2024-general/CvrExport_1733.json"} {
		if b, err := os.ReadFile(filepath.Join(realDir, p)); err == nil {
			f.Add(b)
		}
	}
	format, _ := LookupFormat("dominion-json")
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Election
		files := append(djFiles(), BytesFile("CvrExport_0.json", data))
		cards, err := ReadAll(format.Read(&e, files, Options{}))
		checkRead(t, &e, err, cards, "CvrExport_0.json")
	})
}

func FuzzDominionCSV(f *testing.F) {
	f.Add([]byte(dcFixture))
	for _, p := range []string{"dominion-csv/boulder2023_Test4CvrsWithIRV.csv", "dominion-csv/denver2016_CVR_Export_20170804111144.csv"} {
		if b, err := os.ReadFile(filepath.Join(realDir, p)); err == nil {
			f.Add(b)
		}
	}
	if b, err := os.ReadFile("testdata/small/cvr.csv"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(dcPoolFixture))
	format, _ := LookupFormat("dominion-csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		var e Election
		cards, err := ReadAll(format.Read(&e, []File{BytesFile("f.csv", data)}, Options{}))
		checkRead(t, &e, err, cards, "f.csv")
		// Again with the redaction rows as pools, counted in the tally.
		var e2 Election
		var pools []*Pool
		cards, err = ReadAll(format.Read(&e2, []File{BytesFile("f.csv", data)}, Options{Pool: func(p *Pool) { pools = append(pools, p) }}))
		checkRead(t, &e2, err, cards, "f.csv", pools...)
	})
}

func FuzzReadResults(f *testing.F) {
	f.Add([]byte("contest,choice,votes\nMayor,A,\"1,234\"\n"))
	f.Add([]byte(`{"contests":[{"name":"M","tally":{"A":1}}]}`))
	f.Add([]byte(`[{"contest":"M","choice":"A","votes":3}]`))
	f.Add([]byte(`{"M":{"A":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := ReadResults(strings.NewReader(string(data)), "r")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "cvr: results r") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, row := range res.Rows {
			if row.Votes < 0 {
				t.Fatalf("negative votes accepted: %+v", row)
			}
		}
	})
}
