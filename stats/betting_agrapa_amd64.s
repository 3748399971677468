#include "textflag.h"
#include "go_asm.h"

// agrapaPairsSSE: betsPairsGo's loop (betting_agrapa.go) for the pairs
// whose two draws take the common path, in SSE2 scalar operations: the
// same operations in the same order (an addition's or a multiplication's
// two operands may be swapped: that gives the same bits), no fused
// multiply-add. The integer quantities fn, fn+1, fn+2, D = N − fn and D − 1
// are exact whichever way they are computed.
//
// Registers: AX a, SI xs, DI t, CX the pairs left, DX the draws taken,
// R8 a.xbits, R9 a.mlo, R10 a.mspan, R11 and R12 scratch; X0 fn, X1 sum,
// X2 mean, X3 m2, X4 rk, X5 m, X6 lam, X7 q; per pair X8 r0·D (the first
// draw's rk1), X9 r0·(fn+1), X10 r1·(D−1), X11 r1·(fn+2); X12-X15 scratch.
// The registers are updated in place; a's fields only after a whole pair,
// so that a stop leaves a as it was before the pair (betsPairsGo then
// takes it).

DATA agone<>+0(SB)/8, $1.0
GLOBL agone<>(SB), RODATA|NOPTR, $8
DATA agtwo<>+0(SB)/8, $2.0
GLOBL agtwo<>(SB), RODATA|NOPTR, $8

// AGDRAW takes the draw at off(SI), with P = r·(fn+1) (r·(fn+2)) and RKN the
// next rk, jumping to agdone where it leaves the common path. zero and
// back label its out-of-line test of a draw whose bits are above xbits
// (valid only as −0).
#define AGDRAW(off, P, RKN, zero, back) \
	MOVQ off(SI), R11;              \
	CMPQ R11, R8;                   \
	JHI  zero;                      \
back:                               \
	MOVQ R11, X13;                  \
	MOVAPD X13, X12;                \
	SUBSD X5, X12;                  \
	MULSD X6, X12;                  \
	ADDSD agone<>(SB), X12;         \
	MOVSD X12, off(DI);             \
	ADDSD X13, X1;                  \
	MOVSD agrapaRun_nt(AX), X14;    \
	SUBSD X1, X14;                  \
	MULSD P, X14;                   \
	MOVAPD X13, X12;                \
	SUBSD X2, X12;                  \
	MOVAPD X12, X15;                \
	MULSD X4, X15;                  \
	ADDSD X2, X15;                  \
	SUBSD X15, X13;                 \
	MULSD X12, X13;                 \
	ADDSD X13, X3;                  \
	MOVAPD X5, X12;                 \
	SUBSD X15, X12;                 \
	MULSD X12, X12;                 \
	MOVAPD X3, X13;                 \
	MULSD X4, X13;                  \
	ADDSD X12, X13;                 \
	MOVAPD X15, X12;                \
	SUBSD X5, X12;                  \
	DIVSD X13, X12;                 \
	MOVAPD X15, X2;                 \
	MOVAPD RKN, X4;                 \
	MOVAPD X14, X5;                 \
	MOVQ X14, R11;                  \
	SUBQ R9, R11;                   \
	CMPQ R11, R10;                  \
	JCC  agdone;                    \
	MOVAPD X12, X13;                \
	MULSD X14, X13;                 \
	MOVSD agrapaRun_lo(AX), X15;    \
	UCOMISD X13, X15;               \
	JCS  agdone;                    \
	MOVQ X12, R11;                  \
	TESTQ R11, R11;                 \
	JLE  agdone;                    \
	MOVAPD X12, X6

// func agrapaPairsSSE(xs, t []float64, a *agrapaRun) int
TEXT ·agrapaPairsSSE(SB), NOSPLIT, $0-64
	MOVQ xs_base+0(FP), SI
	MOVQ xs_len+8(FP), CX
	MOVQ t_base+24(FP), DI
	MOVQ a+48(FP), AX
	XORQ DX, DX
	SHRQ $1, CX
	JEQ  agdone
	MOVQ agrapaRun_n(AX), R11
	INCQ R11
	CVTSQ2SD R11, X0
	MOVSD agrapaRun_sum(AX), X1
	MOVSD agrapaRun_mean(AX), X2
	MOVSD agrapaRun_m2(AX), X3
	MOVSD agrapaRun_rk(AX), X4
	MOVSD agrapaRun_m(AX), X5
	MOVSD agrapaRun_lam(AX), X6
	MOVSD agrapaRun_q(AX), X7
	MOVQ agrapaRun_xbits(AX), R8
	MOVQ agrapaRun_mlo(AX), R9
	MOVQ agrapaRun_mspan(AX), R10

agloop:
	// D, fn+1, D−1, fn+2; a1 = (D−1)(fn+2), which must be positive.
	MOVSD agrapaRun_nf(AX), X8
	SUBSD X0, X8
	MOVAPD X0, X9
	ADDSD agone<>(SB), X9
	MOVAPD X8, X10
	SUBSD agone<>(SB), X10
	MOVAPD X0, X11
	ADDSD agtwo<>(SB), X11
	MOVAPD X10, X12
	MULSD X11, X12
	XORPS X13, X13
	UCOMISD X13, X12
	JLS  agdone
	// a0 = D(fn+1); q = 1/(a0·a1), r0 = a1·q, r1 = a0·q.
	MOVAPD X8, X14
	MULSD X9, X14
	MOVAPD X14, X13
	MULSD X12, X13
	MOVSD agone<>(SB), X7
	DIVSD X13, X7
	MULSD X7, X12
	MULSD X7, X14
	MULSD X12, X9
	MULSD X12, X8
	MULSD X14, X11
	MULSD X14, X10

	AGDRAW(0, X9, X8, agzero0, agback0)
	AGDRAW(8, X11, X10, agzero1, agback1)

	// The pair is taken.
	ADDSD agtwo<>(SB), X0
	MOVSD X1, agrapaRun_sum(AX)
	MOVSD X2, agrapaRun_mean(AX)
	MOVSD X3, agrapaRun_m2(AX)
	MOVSD X4, agrapaRun_rk(AX)
	MOVSD X5, agrapaRun_m(AX)
	MOVSD X6, agrapaRun_lam(AX)
	MOVSD X7, agrapaRun_q(AX)
	ADDQ $16, SI
	ADDQ $16, DI
	ADDQ $2, DX
	DECQ CX
	JNE  agloop

agdone:
	MOVQ DX, ret+56(FP)
	RET

	// A draw's bits above xbits: valid only as −0.
agzero0:
	MOVQ R11, R12
	SHLQ $1, R12
	JNE  agdone
	JMP  agback0

agzero1:
	MOVQ R11, R12
	SHLQ $1, R12
	JNE  agdone
	JMP  agback1
