package stats

// hasAVX reports whether the CPU has AVX and the operating system saves
// the 256-bit registers (CPUID and XGETBV; mix_kernel_amd64.s).
func hasAVX() bool

var useAVX = hasAVX()

//go:noescape
func mixPlain1AVX(d []float64, lam, v, a, b *[4]float64, h []float64, init bool)

//go:noescape
func mixPlain2AVX(d []float64, lam, v, a, b *[8]float64, h []float64, init bool)

// mixPlainVector runs mixPlainGo's loop on the AVX kernel, reporting false
// where there is none. The caller has checked len(h) >= 4·len(d) > 0.
func mixPlainVector(d, lam, v, a, b, h []float64, init bool) bool {
	if !useAVX {
		return false
	}
	switch len(lam) {
	case 4:
		mixPlain1AVX(d, (*[4]float64)(lam), (*[4]float64)(v), (*[4]float64)(a), (*[4]float64)(b), h, init)
	case 8:
		mixPlain2AVX(d, (*[8]float64)(lam), (*[8]float64)(v), (*[8]float64)(a), (*[8]float64)(b), h, init)
	default:
		return false
	}
	return true
}

//go:noescape
func mixPrepSSE(xs, dd []float64, p *mixPrepState)

//go:noescape
func mixRecordSSE(hl, lo, h []float64, p *mixRecordState)

// mixPrep is mixPrepGo, by mixPrepSSE (SSE2, which every amd64 CPU has).
func mixPrep(xs, dd []float64, p *mixPrepState) {
	if len(xs) == 0 {
		return
	}
	_ = dd[len(xs)-1]
	mixPrepSSE(xs, dd, p)
}

//go:noescape
func mixRecordAVX(hl, lo, h []float64, p *mixRecordState)

// mixRecord is mixRecordGo, by mixRecordAVX two observations at a time
// where there is AVX, and by mixRecordSSE for the rest.
func mixRecord(hl, lo, h []float64, p *mixRecordState) {
	n := len(hl) / 4
	if n == 0 {
		return
	}
	if lo != nil {
		_ = lo[4*n-1]
	}
	if h != nil {
		_ = h[n-1]
	}
	if useAVX && n >= 2 {
		e := n &^ 1
		var he []float64
		if h != nil {
			he = h[:e]
		}
		mixRecordAVX(hl[:4*e], lo, he, p)
		hl = hl[4*e:]
		if lo != nil {
			lo = lo[4*e:]
		}
		if h != nil {
			h = h[e:]
		}
		if len(hl) == 0 {
			return
		}
	}
	if lo == nil {
		lo = mixZeros[:len(hl)]
	}
	if h == nil {
		var one [1]float64
		h = one[:len(hl)/4]
	}
	mixRecordSSE(hl, lo, h, p)
}

//go:noescape
func mixMasked1AVX(d []float64, lam, v, a, b, live *[4]float64, h, lo []float64, init bool)

//go:noescape
func mixMasked2AVX(d []float64, lam, v, a, b, live *[8]float64, h, lo []float64, init bool)

// mixMaskedVector runs mixMaskedGo's loop on the AVX kernel, reporting
// false where there is none.
func mixMaskedVector(d, lam, v, a, b, live, h, lo []float64, init bool) bool {
	if !useAVX {
		return false
	}
	switch len(lam) {
	case 4:
		mixMasked1AVX(d, (*[4]float64)(lam), (*[4]float64)(v), (*[4]float64)(a), (*[4]float64)(b), (*[4]float64)(live), h, lo, init)
	case 8:
		mixMasked2AVX(d, (*[8]float64)(lam), (*[8]float64)(v), (*[8]float64)(a), (*[8]float64)(b), (*[8]float64)(live), h, lo, init)
	default:
		return false
	}
	return true
}
