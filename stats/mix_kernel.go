package stats

// The inner loop of MixBetting for components whose batch is plain (see
// mixStream.plain): no renormalisation and no test against the cut at any
// observation of the batch. Each group of four consecutive components of the
// grid is one lane each of a four-wide vector, so that on amd64 with AVX the
// loop runs on 256-bit registers (mix_kernel_amd64.s); elsewhere, or without
// AVX, mixPlainGo does the same operations one lane at a time. The two give
// the same bits: each lane's operations are the same IEEE multiplications
// and additions, in the same order, with no fused multiply-add (the explicit
// float64 conversions forbid the Go compiler to fuse them).

// mixPlainGo carries G = len(lam)/4 groups (1 or 2) of components through
// the observations whose d are d: for each observation j and each lane l,
// in group order,
//
//	v[4g+l] *= 1 + λ[4g+l]·d_j,   h[4j+l] += v[4g+l]·a[4g+l],
//
// starting h[4j+l] from 0 instead when init is true. A dead lane has λ, v
// and a all 0 and adds +0.
func mixPlainGo(d, lam, v, a, h []float64, init bool) {
	G := len(lam) / 4
	h = h[:4*len(d)]
	for j, dj := range d {
		hj := h[4*j : 4*j+4 : 4*j+4]
		for l := range 4 {
			acc := 0.0
			if !init {
				acc = hj[l]
			}
			for g := range G {
				i := 4*g + l
				v[i] *= 1 + float64(lam[i]*dj)
				acc += float64(v[i] * a[i])
			}
			hj[l] = acc
		}
	}
}

// mixPlain is mixPlainGo, by the vector kernel where there is one.
func mixPlain(d, lam, v, a, h []float64, init bool) {
	if len(d) == 0 {
		return
	}
	_ = h[4*len(d)-1]
	if !mixPlainVector(d, lam, v, a, h, init) {
		mixPlainGo(d, lam, v, a, h, init)
	}
}
