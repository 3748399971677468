//go:build !amd64

package stats

const useAVX = false

func mixPlainVector(d, lam, v, a, h []float64, init bool) bool { return false }
