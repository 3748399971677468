package stats

// hasAVX reports whether the CPU has AVX and the operating system saves
// the 256-bit registers (CPUID and XGETBV; mix_kernel_amd64.s).
func hasAVX() bool

var useAVX = hasAVX()

//go:noescape
func mixPlain1AVX(d []float64, lam, v, a *[4]float64, h []float64, init bool)

//go:noescape
func mixPlain2AVX(d []float64, lam, v, a *[8]float64, h []float64, init bool)

// mixPlainVector runs mixPlainGo's loop on the AVX kernel, reporting false
// where there is none. The caller has checked len(h) >= 4·len(d) > 0.
func mixPlainVector(d, lam, v, a, h []float64, init bool) bool {
	if !useAVX {
		return false
	}
	switch len(lam) {
	case 4:
		mixPlain1AVX(d, (*[4]float64)(lam), (*[4]float64)(v), (*[4]float64)(a), h, init)
	case 8:
		mixPlain2AVX(d, (*[8]float64)(lam), (*[8]float64)(v), (*[8]float64)(a), h, init)
	default:
		return false
	}
	return true
}
