#include "textflag.h"
#include "go_asm.h"

// agrapaPairsSSE: betsPairsGo's loop (betting_agrapa.go) for the pairs
// whose two draws take the common path, in SSE2 scalar operations: the
// same operations in the same order (an addition's or a multiplication's
// two operands may be swapped: that gives the same bits), no fused
// multiply-add. The integer quantities fn, fn+1, fn+2, D = N − fn and D − 1
// are exact however they are computed. The caller (agrapaPairs) has
// checked that no pair is the population's last.
//
// Registers: AX a, SI xs, DI t, BX the draw's index, CX the draws to take,
// R8 a.xbits, R9 a.mlo, R10 a.mspan, R12 lob, R13 set after a stop, R11
// scratch. X0 fn, X1 sum, X3 m2, X7 q; mean, rk, m and lam in X2, X4, X5,
// X6 before a pair and in X12, X8, X13, X14 between its draws; per pair X9
// r0·(fn+1), X10 r1·(D−1) (the next rk), X11 r1·(fn+2); X15 scratch.
//
// a is written only at the end. Where a pair leaves the common path, the
// registers hold its partial results: the kernel starts again from a, for
// the pairs before it only (the same operations, the same results).

DATA agone<>+0(SB)/8, $1.0
GLOBL agone<>(SB), RODATA|NOPTR, $8
DATA agtwo<>+0(SB)/8, $2.0
GLOBL agtwo<>(SB), RODATA|NOPTR, $8

// AGDRAW takes the draw at off(SI)(BX*8), with the state in MEAN, RK, M and
// LAM, P = r·(fn+1) (r·(fn+2)), and leaves mu, m1 and raw in MU, M1 and
// RAW; T1 is scratch, and LAM after the term. It jumps to agstop where the
// draw leaves the common path. zero and back label its out-of-line test of
// a draw whose bits are above xbits (valid only as −0).
#define AGDRAW(off, MEAN, RK, M, LAM, P, MU, M1, RAW, T1, zero, back) \
	MOVQ off(SI)(BX*8), R11;        \
	CMPQ R11, R8;                   \
	JHI  zero;                      \
back:                               \
	MOVQ R11, T1;                   \
	MOVAPD T1, RAW;                 \
	SUBSD M, RAW;                   \
	MULSD LAM, RAW;                 \
	ADDSD agone<>(SB), RAW;         \
	MOVSD RAW, off(DI)(BX*8);       \
	ADDSD T1, X1;                   \
	MOVSD agrapaRun_nt(AX), M1;     \
	SUBSD X1, M1;                   \
	MULSD P, M1;                    \
	MOVAPD T1, LAM;                 \
	SUBSD MEAN, LAM;                \
	MOVAPD LAM, MU;                 \
	MULSD RK, MU;                   \
	ADDSD MEAN, MU;                 \
	SUBSD MU, T1;                   \
	MULSD LAM, T1;                  \
	ADDSD T1, X3;                   \
	MOVAPD M, T1;                   \
	SUBSD MU, T1;                   \
	MULSD T1, T1;                   \
	MOVAPD X3, LAM;                 \
	MULSD RK, LAM;                  \
	ADDSD T1, LAM;                  \
	MOVAPD MU, RAW;                 \
	SUBSD M, RAW;                   \
	DIVSD LAM, RAW;                 \
	MOVQ M1, R11;                   \
	SUBQ R9, R11;                   \
	CMPQ R11, R10;                  \
	JCC  agstop;                    \
	MOVAPD RAW, T1;                 \
	MULSD M1, T1;                   \
	MOVQ T1, R11;                   \
	DECQ R11;                       \
	CMPQ R11, R12;                  \
	JCC  agstop

// func agrapaPairsSSE(xs, t []float64, a *agrapaRun, lob uint64) int
TEXT ·agrapaPairsSSE(SB), NOSPLIT, $0-72
	MOVQ xs_len+8(FP), CX
	XORQ R13, R13
	ANDQ $~1, CX
	JEQ  agnone

agstart:
	MOVQ xs_base+0(FP), SI
	MOVQ t_base+24(FP), DI
	MOVQ a+48(FP), AX
	MOVQ lob+56(FP), R12
	XORQ BX, BX
	MOVQ agrapaRun_n(AX), R11
	INCQ R11
	CVTSQ2SD R11, X0
	MOVSD agrapaRun_sum(AX), X1
	MOVSD agrapaRun_mean(AX), X2
	MOVSD agrapaRun_m2(AX), X3
	MOVSD agrapaRun_rk(AX), X4
	MOVSD agrapaRun_m(AX), X5
	MOVSD agrapaRun_lam(AX), X6
	MOVQ agrapaRun_xbits(AX), R8
	MOVQ agrapaRun_mlo(AX), R9
	MOVQ agrapaRun_mspan(AX), R10

agloop:
	// D (X8), fn+1 (X9), D−1 (X10), fn+2 (X11), a1 (X12), a0 (X13).
	MOVSD agrapaRun_nf(AX), X8
	SUBSD X0, X8
	MOVAPD X0, X9
	ADDSD agone<>(SB), X9
	MOVAPD X8, X10
	SUBSD agone<>(SB), X10
	MOVAPD X9, X11
	ADDSD agone<>(SB), X11
	ADDSD agtwo<>(SB), X0
	MOVAPD X10, X12
	MULSD X11, X12
	MOVAPD X8, X13
	MULSD X9, X13
	// q = 1/(a0·a1), r0 = a1·q (X12), r1 = a0·q (X13).
	MOVAPD X13, X14
	MULSD X12, X14
	MOVSD agone<>(SB), X7
	DIVSD X14, X7
	MULSD X7, X12
	MULSD X7, X13
	MULSD X12, X9
	MULSD X12, X8
	MULSD X13, X11
	MULSD X13, X10

	AGDRAW(0, X2, X4, X5, X6, X9, X12, X13, X14, X15, agzero0, agback0)
	AGDRAW(8, X12, X8, X13, X14, X11, X2, X5, X6, X15, agzero1, agback1)

	MOVAPD X10, X4
	ADDQ $2, BX
	CMPQ BX, CX
	JLT  agloop

	// The end: a's new state.
	MOVSD X1, agrapaRun_sum(AX)
	MOVSD X2, agrapaRun_mean(AX)
	MOVSD X3, agrapaRun_m2(AX)
	MOVSD X4, agrapaRun_rk(AX)
	MOVSD X5, agrapaRun_m(AX)
	MOVSD X6, agrapaRun_lam(AX)
	MOVSD X7, agrapaRun_q(AX)
	MOVQ BX, ret+64(FP)
	RET

agnone:
	MOVQ $0, ret+64(FP)
	RET

	// A pair leaves the common path: again from a, for the BX draws
	// before it, if any (that run cannot stop).
agstop:
	TESTQ R13, R13
	JNE  agnone // cannot happen
	MOVQ BX, CX
	INCQ R13
	TESTQ CX, CX
	JEQ  agnone
	JMP  agstart

	// A draw's bits above xbits: valid only as −0.
agzero0:
	MOVQ R11, DX
	SHLQ $1, DX
	JNE  agstop
	JMP  agback0

agzero1:
	MOVQ R11, DX
	SHLQ $1, DX
	JNE  agstop
	JMP  agback1

// AGDRAWV is AGDRAW in AVX's three-operand (VEX) forms, with fewer copies:
// the same operations in the same order.
#define AGDRAWV(off, MEAN, RK, M, LAM, P, MU, M1, RAW, T1, zero, back) \
	MOVQ off(SI)(BX*8), R11;        \
	CMPQ R11, R8;                   \
	JHI  zero;                      \
back:                               \
	VMOVQ R11, T1;                  \
	VSUBSD M, T1, RAW;              \
	VMULSD LAM, RAW, RAW;           \
	VADDSD agone<>(SB), RAW, RAW;   \
	VMOVSD RAW, off(DI)(BX*8);      \
	VADDSD T1, X1, X1;              \
	VMOVSD agrapaRun_nt(AX), M1;    \
	VSUBSD X1, M1, M1;              \
	VMULSD P, M1, M1;               \
	VSUBSD MEAN, T1, LAM;           \
	VMULSD RK, LAM, MU;             \
	VADDSD MEAN, MU, MU;            \
	VSUBSD MU, T1, T1;              \
	VMULSD LAM, T1, T1;             \
	VADDSD T1, X3, X3;              \
	VSUBSD MU, M, T1;               \
	VMULSD T1, T1, T1;              \
	VMULSD RK, X3, LAM;             \
	VADDSD T1, LAM, LAM;            \
	VSUBSD M, MU, RAW;              \
	VDIVSD LAM, RAW, RAW;           \
	VMOVQ M1, R11;                  \
	SUBQ R9, R11;                   \
	CMPQ R11, R10;                  \
	JCC  agvstop;                   \
	VMULSD M1, RAW, T1;             \
	VMOVQ T1, R11;                  \
	DECQ R11;                       \
	CMPQ R11, R12;                  \
	JCC  agvstop

// func agrapaPairsAVX(xs, t []float64, a *agrapaRun, lob uint64) int
//
// agrapaPairsSSE in AVX's VEX forms (the caller has checked for AVX).
TEXT ·agrapaPairsAVX(SB), NOSPLIT, $0-72
	MOVQ xs_len+8(FP), CX
	XORQ R13, R13
	ANDQ $~1, CX
	JEQ  agvnone

agvstart:
	MOVQ xs_base+0(FP), SI
	MOVQ t_base+24(FP), DI
	MOVQ a+48(FP), AX
	MOVQ lob+56(FP), R12
	XORQ BX, BX
	MOVQ agrapaRun_n(AX), R11
	INCQ R11
	VXORPD X0, X0, X0
	VCVTSI2SDQ R11, X0, X0
	VMOVSD agrapaRun_sum(AX), X1
	VMOVSD agrapaRun_mean(AX), X2
	VMOVSD agrapaRun_m2(AX), X3
	VMOVSD agrapaRun_rk(AX), X4
	VMOVSD agrapaRun_m(AX), X5
	VMOVSD agrapaRun_lam(AX), X6
	MOVQ agrapaRun_xbits(AX), R8
	MOVQ agrapaRun_mlo(AX), R9
	MOVQ agrapaRun_mspan(AX), R10

agvloop:
	// D (X8), fn+1 (X9), D−1 (X10), fn+2 (X11), a1 (X12), a0 (X13).
	VMOVSD agrapaRun_nf(AX), X8
	VSUBSD X0, X8, X8
	VADDSD agone<>(SB), X0, X9
	VSUBSD agone<>(SB), X8, X10
	VADDSD agone<>(SB), X9, X11
	VADDSD agtwo<>(SB), X0, X0
	VMULSD X11, X10, X12
	VMULSD X9, X8, X13
	// q = 1/(a0·a1), r0 = a1·q (X12), r1 = a0·q (X13).
	VMULSD X12, X13, X14
	VMOVSD agone<>(SB), X7
	VDIVSD X14, X7, X7
	VMULSD X7, X12, X12
	VMULSD X7, X13, X13
	VMULSD X12, X9, X9
	VMULSD X12, X8, X8
	VMULSD X13, X11, X11
	VMULSD X13, X10, X10

	AGDRAWV(0, X2, X4, X5, X6, X9, X12, X13, X14, X15, agvzero0, agvback0)
	AGDRAWV(8, X12, X8, X13, X14, X11, X2, X5, X6, X15, agvzero1, agvback1)

	VMOVAPD X10, X4
	ADDQ $2, BX
	CMPQ BX, CX
	JLT  agvloop

	VMOVSD X1, agrapaRun_sum(AX)
	VMOVSD X2, agrapaRun_mean(AX)
	VMOVSD X3, agrapaRun_m2(AX)
	VMOVSD X4, agrapaRun_rk(AX)
	VMOVSD X5, agrapaRun_m(AX)
	VMOVSD X6, agrapaRun_lam(AX)
	VMOVSD X7, agrapaRun_q(AX)
	MOVQ BX, ret+64(FP)
	RET

agvnone:
	MOVQ $0, ret+64(FP)
	RET

agvstop:
	TESTQ R13, R13
	JNE  agvnone // cannot happen
	MOVQ BX, CX
	INCQ R13
	TESTQ CX, CX
	JEQ  agvnone
	JMP  agvstart

agvzero0:
	MOVQ R11, DX
	SHLQ $1, DX
	JNE  agvstop
	JMP  agvback0

agvzero1:
	MOVQ R11, DX
	SHLQ $1, DX
	JNE  agvstop
	JMP  agvback1
