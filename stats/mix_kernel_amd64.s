#include "textflag.h"

// The AVX kernel of mixPlainGo (mix_kernel.go), for one or two groups of
// four components. Registers: Y0/Y1 λ, Y2/Y3 v, Y4/Y5 a and Y5/Y12, Y13 b
// (one group/two groups), Y6 the constant 1, Y7 d_j broadcast. Each lane
// computes v = v·(1 + λ·d_j) (VMULPD, VADDPD, VMULPD: no fused
// multiply-add) and adds (v·a)·b to h[4j+l] (or starts from it, init),
// group 0 before group 1, as mixPlainGo does.

DATA one<>+0(SB)/8, $1.0
GLOBL one<>(SB), RODATA|NOPTR, $8

// func hasAVX() bool
TEXT ·hasAVX(SB), NOSPLIT, $0-1
	MOVL $1, AX
	XORL CX, CX
	CPUID
	// ECX bit 27: OSXSAVE; bit 28: AVX.
	ANDL $0x18000000, CX
	CMPL CX, $0x18000000
	JNE  no
	// XCR0 bits 1 and 2: the OS saves the XMM and YMM state.
	XORL CX, CX
	XGETBV
	ANDL $6, AX
	CMPL AX, $6
	JNE  no
	MOVB $1, ret+0(FP)
	RET
no:
	MOVB $0, ret+0(FP)
	RET

// TERM carries one group through d_j (broadcast in Y7): v = v·(1 + λ·d_j),
// w = (v·a)·b, with Y8 as scratch.
#define TERM(lam, v, a, b, w) \
	VMULPD Y7, lam, Y8; \
	VADDPD Y6, Y8, Y8;  \
	VMULPD Y8, v, v;    \
	VMULPD a, v, w;     \
	VMULPD b, w, w

// NEXT moves to the next observation and loops.
#define NEXT(label) \
	ADDQ $8, SI;  \
	ADDQ $32, DI; \
	DECQ CX;      \
	JNE  label

// func mixPlain1AVX(d []float64, lam, v, a, b *[4]float64, h []float64, init bool)
TEXT ·mixPlain1AVX(SB), NOSPLIT, $0-81
	MOVQ d_base+0(FP), SI
	MOVQ d_len+8(FP), CX
	MOVQ lam+24(FP), AX
	MOVQ v+32(FP), BX
	MOVQ a+40(FP), DX
	MOVQ b+48(FP), R9
	MOVQ h_base+56(FP), DI
	MOVBLZX init+80(FP), R8
	VMOVUPD (AX), Y0
	VMOVUPD (BX), Y2
	VMOVUPD (DX), Y4
	VMOVUPD (R9), Y5
	VBROADCASTSD one<>(SB), Y6
	TESTQ CX, CX
	JEQ  done1
	TESTQ R8, R8
	JNE  init1

loop1:
	VBROADCASTSD (SI), Y7
	TERM(Y0, Y2, Y4, Y5, Y10)
	VADDPD  (DI), Y10, Y10
	VMOVUPD Y10, (DI)
	NEXT(loop1)
	JMP  done1

init1:
	VBROADCASTSD (SI), Y7
	TERM(Y0, Y2, Y4, Y5, Y10)
	VMOVUPD Y10, (DI)
	NEXT(init1)

done1:
	VMOVUPD Y2, (BX)
	VZEROUPPER
	RET

// func mixPlain2AVX(d []float64, lam, v, a, b *[8]float64, h []float64, init bool)
TEXT ·mixPlain2AVX(SB), NOSPLIT, $0-81
	MOVQ d_base+0(FP), SI
	MOVQ d_len+8(FP), CX
	MOVQ lam+24(FP), AX
	MOVQ v+32(FP), BX
	MOVQ a+40(FP), DX
	MOVQ b+48(FP), R9
	MOVQ h_base+56(FP), DI
	MOVBLZX init+80(FP), R8
	VMOVUPD (AX), Y0
	VMOVUPD 32(AX), Y1
	VMOVUPD (BX), Y2
	VMOVUPD 32(BX), Y3
	VMOVUPD (DX), Y4
	VMOVUPD 32(DX), Y5
	VMOVUPD (R9), Y12
	VMOVUPD 32(R9), Y13
	VBROADCASTSD one<>(SB), Y6
	TESTQ CX, CX
	JEQ  done2
	TESTQ R8, R8
	JNE  init2

loop2:
	VBROADCASTSD (SI), Y7
	TERM(Y0, Y2, Y4, Y12, Y10)
	TERM(Y1, Y3, Y5, Y13, Y11)
	VADDPD  (DI), Y10, Y10
	VADDPD  Y11, Y10, Y10
	VMOVUPD Y10, (DI)
	NEXT(loop2)
	JMP  done2

init2:
	VBROADCASTSD (SI), Y7
	TERM(Y0, Y2, Y4, Y12, Y10)
	TERM(Y1, Y3, Y5, Y13, Y11)
	VADDPD  Y11, Y10, Y10
	VMOVUPD Y10, (DI)
	NEXT(init2)

done2:
	VMOVUPD Y2, (BX)
	VMOVUPD Y3, 32(BX)
	VZEROUPPER
	RET

DATA half<>+0(SB)/8, $0.5
GLOBL half<>(SB), RODATA|NOPTR, $8

// func mixPrepSSE(xs, dd []float64, p *mixPrepState)
//
// mixPrepGo in SSE2. Registers: X0 nt, X1 rem, X2 sum, X3 dmin, X4 dmax,
// X5 pmin, X6 pmax, X7 tot, X8 sq, X9 mmin, X10 mmax, X11 xmin, X12 xmax,
// X13 m then d², X14 x then d, X15 Σd³. MINSD and MAXSD differ from
// mixPrepGo's comparisons only for NaN and in the sign of a zero, which the
// bounds do not use. p.mode selects the bounds kept (see mixPrepState): one
// loop per mode, for N finite and for N infinite (where m is 1/2 and its
// bounds are set once).

// PREPM: X13 = m = (nt − sum)/rem; rem −= 1.
#define PREPM \
	MOVAPD X0, X13;      \
	SUBSD X2, X13;       \
	DIVSD X1, X13;       \
	SUBSD one<>(SB), X1

#define TRACKM \
	MINSD X13, X9;       \
	MAXSD X13, X10

#define TRACKX \
	MINSD X14, X11;      \
	MAXSD X14, X12

// TRACKD: d's bounds (with d in X14).
#define TRACKD \
	MINSD X14, X3;       \
	MAXSD X14, X4

// PREPD: with x in X14 and m in X13: sum, d into dd, and the sums.
#define PREPD \
	ADDSD X14, X2;       \
	SUBSD X13, X14;      \
	MOVSD X14, (DI);     \
	ADDSD X14, X7;       \
	MINSD X7, X5;        \
	MAXSD X7, X6;        \
	MOVAPD X14, X13;     \
	MULSD X14, X13;      \
	ADDSD X13, X8;       \
	MULSD X14, X13;      \
	ADDSD X13, X15

#define PNEXT(label) \
	ADDQ $8, SI;         \
	ADDQ $8, DI;         \
	DECQ CX;             \
	JNE  label

TEXT ·mixPrepSSE(SB), NOSPLIT, $0-56
	MOVQ xs_base+0(FP), SI
	MOVQ xs_len+8(FP), CX
	MOVQ dd_base+24(FP), DI
	MOVQ p+48(FP), AX
	TESTQ CX, CX
	JEQ  prepdone
	MOVSD 0(AX), X0
	MOVSD 8(AX), X1
	MOVSD 16(AX), X2
	MOVSD 24(AX), X3
	MOVSD 32(AX), X4
	MOVSD 40(AX), X5
	MOVSD 48(AX), X6
	MOVSD 56(AX), X7
	MOVSD 64(AX), X8
	MOVSD 72(AX), X9
	MOVSD 80(AX), X10
	MOVSD 88(AX), X11
	MOVSD 96(AX), X12
	MOVSD 104(AX), X15
	MOVQ 112(AX), R8
	XORPS X13, X13
	UCOMISD X13, X1
	JNE  finite

	// N infinite: m = 1/2.
	MOVSD half<>(SB), X13
	MINSD X13, X9
	MAXSD X13, X10
	CMPQ R8, $2
	JEQ  infloopnox
	CMPQ R8, $1
	JEQ  infloop

infloopall:
	MOVSD half<>(SB), X13
	MOVSD (SI), X14
	TRACKX
	PREPD
	TRACKD
	PNEXT(infloopall)
	JMP  prepstore

infloop:
	MOVSD half<>(SB), X13
	MOVSD (SI), X14
	TRACKX
	PREPD
	PNEXT(infloop)
	JMP  prepstore

infloopnox:
	MOVSD half<>(SB), X13
	MOVSD (SI), X14
	PREPD
	PNEXT(infloopnox)
	JMP  prepstore

finite:
	CMPQ R8, $1
	JEQ  finitenom
	CMPQ R8, $2
	JEQ  finitelean

finiteloop:
	PREPM
	TRACKM
	MOVSD (SI), X14
	TRACKX
	PREPD
	TRACKD
	PNEXT(finiteloop)
	JMP  prepstore

finitenom:
	PREPM
	MOVSD (SI), X14
	TRACKX
	PREPD
	PNEXT(finitenom)
	JMP  prepstore

finitelean:
	PREPM
	MOVSD (SI), X14
	PREPD
	PNEXT(finitelean)

prepstore:
	MOVSD X1, 8(AX)
	MOVSD X2, 16(AX)
	MOVSD X3, 24(AX)
	MOVSD X4, 32(AX)
	MOVSD X5, 40(AX)
	MOVSD X6, 48(AX)
	MOVSD X7, 56(AX)
	MOVSD X8, 64(AX)
	MOVSD X9, 72(AX)
	MOVSD X10, 80(AX)
	MOVSD X11, 88(AX)
	MOVSD X12, 96(AX)
	MOVSD X15, 104(AX)

prepdone:
	RET

// func mixRecordSSE(hl, lo, h []float64, p *mixRecordState)
//
// mixRecordGo in SSE2. Registers: X0 t, X2 and X4 the low counts, X8 aside, X9 L, X10 maxT, X11 the
// constant 1, R9 nan. maxT is MAXSD(t, maxT) = t > maxT ? t : maxT, as
// record keeps it; the history entry is MINSD(L/t, 1) = L/t < 1 ? L/t : 1,
// which is hist's (t is never negative or −0; NaN gives 1).
TEXT ·mixRecordSSE(SB), NOSPLIT, $0-80
	MOVQ hl_base+0(FP), SI
	MOVQ lo_base+24(FP), DX
	MOVQ h_base+48(FP), DI
	MOVQ h_len+56(FP), CX
	MOVQ p+72(FP), AX
	TESTQ CX, CX
	JEQ  recdone
	MOVSD 0(AX), X8
	MOVSD 8(AX), X9
	MOVSD 16(AX), X10
	MOVBLZX 32(AX), R9
	MOVSD one<>(SB), X11

recloop:
	MOVSD 0(SI), X0
	ADDSD 8(SI), X0
	MOVSD 16(SI), X1
	ADDSD 24(SI), X1
	ADDSD X1, X0
	MOVSD 0(DX), X2
	ADDSD 8(DX), X2
	MOVSD 16(DX), X4
	ADDSD 24(DX), X4
	ADDSD X4, X2
	ADDSD X8, X2
	ADDSD X2, X0
	MOVAPD X0, X3
	MAXSD X10, X3
	MOVAPD X3, X10
	UCOMISD X0, X0
	JPC  recnum
	MOVL $1, R9

recnum:
	MOVAPD X9, X4
	DIVSD X0, X4
	MINSD X11, X4
	MOVSD X4, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $8, DI
	DECQ CX
	JNE  recloop
	MOVSD X10, 16(AX)
	MOVSD X0, 24(AX)
	MOVB R9, 32(AX)

recdone:
	RET

// func mixRecordAVX(hl, lo, h []float64, p *mixRecordState)
//
// mixRecordSSE for two observations at a time (len(hl)/4 of them, an even
// number); lo empty means no low counts, h empty no history entries. VHADDPD
// of two observations' lane sums gives h0+h1 of both and h2+h3 of both; one
// VADDPD then makes each (h0+h1)+(h2+h3). The running maximum is kept per
// lane (VMAXPD t, maxT: t > maxT ? t : maxT) and the two merged at the end;
// a NaN t sets the lane's bits in X12 (VCMPPD unordered).

// RSUMS: X2 = the two observations' lane sums.
#define RSUMS \
	VMOVUPD 0(SI), Y0;          \
	VMOVUPD 32(SI), Y1;         \
	VHADDPD Y1, Y0, Y2;         \
	VEXTRACTF128 $1, Y2, X3;    \
	VADDPD X3, X2, X2;          \
	ADDQ $64, SI

// RLOW: X2 += their low counts plus aside (X8).
#define RLOW \
	VMOVUPD 0(DX), Y4;          \
	VMOVUPD 32(DX), Y5;         \
	VHADDPD Y5, Y4, Y4;         \
	VEXTRACTF128 $1, Y4, X5;    \
	VADDPD X5, X4, X4;          \
	VADDPD X8, X4, X4;          \
	VADDPD X4, X2, X2;          \
	ADDQ $64, DX

// RMAX: the running maximum and the NaN bits.
#define RMAX \
	VMAXPD X10, X2, X10;        \
	VCMPPD $3, X2, X2, X6;      \
	VORPD X6, X12, X12

// RHIST: the history entries min(L/t, 1).
#define RHIST \
	VDIVPD X2, X9, X7;          \
	VMINPD X11, X7, X7;         \
	VMOVUPD X7, (DI);           \
	ADDQ $16, DI

TEXT ·mixRecordAVX(SB), NOSPLIT, $0-80
	MOVQ hl_base+0(FP), SI
	MOVQ hl_len+8(FP), CX
	MOVQ lo_base+24(FP), DX
	MOVQ h_base+48(FP), DI
	MOVQ p+72(FP), AX
	SHRQ $3, CX
	JEQ  avxrecdone
	VMOVDDUP 0(AX), X8
	VMOVDDUP 8(AX), X9
	VMOVDDUP 16(AX), X10
	VMOVDDUP one<>(SB), X11
	VXORPD X12, X12, X12
	MOVQ lo_len+32(FP), R8
	MOVQ h_len+56(FP), R9
	TESTQ R8, R8
	JEQ  avxrecnolo
	TESTQ R9, R9
	JEQ  avxreclonoh

avxrecloop:
	RSUMS
	RLOW
	RMAX
	RHIST
	DECQ CX
	JNE  avxrecloop
	JMP  avxrecend

avxreclonoh:
	RSUMS
	RLOW
	RMAX
	DECQ CX
	JNE  avxreclonoh
	JMP  avxrecend

	// No low counts (lo empty): t = H + aside, which H + ((0+0)+(0+0) + aside) is.
avxrecnolo:
	TESTQ R9, R9
	JEQ  avxrecnonoh

avxrecnololoop:
	RSUMS
	VADDPD X8, X2, X2
	RMAX
	RHIST
	DECQ CX
	JNE  avxrecnololoop
	JMP  avxrecend

avxrecnonoh:
	RSUMS
	VADDPD X8, X2, X2
	RMAX
	DECQ CX
	JNE  avxrecnonoh

avxrecend:
	// maxT: the larger of the lanes' (neither is NaN); last: lane 1.
	VPERMILPD $1, X10, X5
	VMAXSD X5, X10, X10
	MOVSD X10, 16(AX)
	VPERMILPD $1, X2, X5
	MOVSD X5, 24(AX)
	VMOVMSKPD X12, R9
	TESTL R9, R9
	JEQ  avxrecnonan
	MOVB $1, 32(AX)

avxrecnonan:
	VZEROUPPER

avxrecdone:
	RET

DATA rtol4<>+0(SB)/8, $1e-05
DATA rtol4<>+8(SB)/8, $1e-05
DATA rtol4<>+16(SB)/8, $1e-05
DATA rtol4<>+24(SB)/8, $1e-05
GLOBL rtol4<>(SB), RODATA|NOPTR, $32

// atol = 2^-51
DATA atol4<>+0(SB)/8, $0x3cc0000000000000
DATA atol4<>+8(SB)/8, $0x3cc0000000000000
DATA atol4<>+16(SB)/8, $0x3cc0000000000000
DATA atol4<>+24(SB)/8, $0x3cc0000000000000
GLOBL atol4<>(SB), RODATA|NOPTR, $32

// The AVX kernels of mixMaskedGo: mixPlain's loop, then per group the
// threshold atol + 1e-5·W (VMULPD, VADDPD), the mask W > threshold
// (VCMPPD, predicate GT_OQ), W masked into h and live masked by the
// complement into lo. A masked-out lane adds +0.
// Registers as in mixPlain, with Y14/Y15 live, R10 the lo pointer, Y9 (and
// Y7, once d_j is used) the low counts.

// MASK keeps in w the lanes above the cut (w > atol + 1e-5·w) and leaves
// in t the complement masked onto live, the lanes' low counts.
#define MASK(w, t, live) \
	VMULPD  rtol4<>(SB), w, t; \
	VADDPD  atol4<>(SB), t, t; \
	VCMPPD  $0x1e, t, w, t;    \
	VANDPD  t, w, w;           \
	VANDNPD live, t, t

// func mixMasked1AVX(d []float64, lam, v, a, b, live *[4]float64, h, lo []float64, init bool)
TEXT ·mixMasked1AVX(SB), NOSPLIT, $0-113
	MOVQ d_base+0(FP), SI
	MOVQ d_len+8(FP), CX
	MOVQ lam+24(FP), AX
	MOVQ v+32(FP), BX
	MOVQ a+40(FP), DX
	MOVQ b+48(FP), R9
	MOVQ live+56(FP), R11
	MOVQ h_base+64(FP), DI
	MOVQ lo_base+88(FP), R10
	MOVBLZX init+112(FP), R8
	VMOVUPD (AX), Y0
	VMOVUPD (BX), Y2
	VMOVUPD (DX), Y4
	VMOVUPD (R9), Y5
	VMOVUPD (R11), Y14
	VBROADCASTSD one<>(SB), Y6
	TESTQ CX, CX
	JEQ  mdone1

mloop1:
	VBROADCASTSD (SI), Y7
	TERM(Y0, Y2, Y4, Y5, Y10)
	MASK(Y10, Y9, Y14)
	TESTQ R8, R8
	JNE  minit1
	VADDPD  (DI), Y10, Y10

minit1:
	VMOVUPD Y10, (DI)
	VADDPD  (R10), Y9, Y9
	VMOVUPD Y9, (R10)
	ADDQ $32, R10
	NEXT(mloop1)

mdone1:
	VMOVUPD Y2, (BX)
	VZEROUPPER
	RET

// func mixMasked2AVX(d []float64, lam, v, a, b, live *[8]float64, h, lo []float64, init bool)
TEXT ·mixMasked2AVX(SB), NOSPLIT, $0-113
	MOVQ d_base+0(FP), SI
	MOVQ d_len+8(FP), CX
	MOVQ lam+24(FP), AX
	MOVQ v+32(FP), BX
	MOVQ a+40(FP), DX
	MOVQ b+48(FP), R9
	MOVQ live+56(FP), R11
	MOVQ h_base+64(FP), DI
	MOVQ lo_base+88(FP), R10
	MOVBLZX init+112(FP), R8
	VMOVUPD (AX), Y0
	VMOVUPD 32(AX), Y1
	VMOVUPD (BX), Y2
	VMOVUPD 32(BX), Y3
	VMOVUPD (DX), Y4
	VMOVUPD 32(DX), Y5
	VMOVUPD (R9), Y12
	VMOVUPD 32(R9), Y13
	VMOVUPD (R11), Y14
	VMOVUPD 32(R11), Y15
	VBROADCASTSD one<>(SB), Y6
	TESTQ CX, CX
	JEQ  mdone2

mloop2:
	VBROADCASTSD (SI), Y7
	TERM(Y0, Y2, Y4, Y12, Y10)
	TERM(Y1, Y3, Y5, Y13, Y11)
	MASK(Y10, Y9, Y14)
	VMOVAPD Y9, Y7
	MASK(Y11, Y9, Y15)
	TESTQ R8, R8
	JNE  minit2
	VADDPD  (DI), Y10, Y10

minit2:
	VADDPD  Y11, Y10, Y10
	VMOVUPD Y10, (DI)
	VADDPD  (R10), Y7, Y7
	VADDPD  Y9, Y7, Y7
	VMOVUPD Y7, (R10)
	ADDQ $32, R10
	NEXT(mloop2)

mdone2:
	VMOVUPD Y2, (BX)
	VMOVUPD Y3, 32(BX)
	VZEROUPPER
	RET
