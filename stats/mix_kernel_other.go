//go:build !amd64

package stats

const useAVX = false

func mixPlainVector(d, lam, v, a, h []float64, init bool) bool { return false }

func mixPrep(xs, dd []float64, p *mixPrepState)        { mixPrepGo(xs, dd, p) }
func mixRecord(hl, lo, h []float64, p *mixRecordState) { mixRecordGo(hl, lo, h, p) }
