//go:build !amd64

package stats

const useAVX = false

func mixPlainVector(d, lam, v, a, b, h []float64, init bool) bool { return false }

func mixPrep(xs, dd []float64, p *mixPrepState)        { mixPrepGo(xs, dd, p) }
func mixRecord(hl, lo, h []float64, p *mixRecordState) { mixRecordGo(hl, lo, h, p) }

func mixMaskedVector(d, lam, v, a, b, live, h, lo []float64, init bool) bool { return false }
