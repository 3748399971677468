//go:build !amd64

package stats

// agrapaPairs is the amd64 kernel's place (see betting_agrapa_amd64.go):
// elsewhere betsPairsGo takes every pair.
func (a *agrapaRun) agrapaPairs(xs, t []float64) int { return 0 }

const useAGRAPAKernel = false

var agrapaAVX = false
