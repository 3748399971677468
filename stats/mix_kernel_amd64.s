#include "textflag.h"

// The AVX kernel of mixPlainGo (mix_kernel.go), for one or two groups of
// four components. Registers: Y0/Y1 λ, Y2/Y3 v, Y4/Y5 a, Y6 the constant 1,
// Y7 d_j broadcast. Each lane computes v = v·(1 + λ·d_j) (VMULPD, VADDPD,
// VMULPD: no fused multiply-add) and adds v·a to h[4j+l] (or starts from
// it, init), group 0 before group 1, as mixPlainGo does.

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

// func mixPlain1AVX(d []float64, lam, v, a *[4]float64, h []float64, init bool)
TEXT ·mixPlain1AVX(SB), NOSPLIT, $0-73
	MOVQ d_base+0(FP), SI
	MOVQ d_len+8(FP), CX
	MOVQ lam+24(FP), AX
	MOVQ v+32(FP), BX
	MOVQ a+40(FP), DX
	MOVQ h_base+48(FP), DI
	MOVBLZX init+72(FP), R8
	VMOVUPD (AX), Y0
	VMOVUPD (BX), Y2
	VMOVUPD (DX), Y4
	VBROADCASTSD one<>(SB), Y6
	TESTQ CX, CX
	JEQ  done1
	TESTQ R8, R8
	JNE  init1

loop1:
	VBROADCASTSD (SI), Y7
	VMULPD  Y7, Y0, Y8
	VADDPD  Y6, Y8, Y8
	VMULPD  Y8, Y2, Y2
	VMULPD  Y4, Y2, Y10
	VADDPD  (DI), Y10, Y10
	VMOVUPD Y10, (DI)
	ADDQ $8, SI
	ADDQ $32, DI
	DECQ CX
	JNE  loop1
	JMP  done1

init1:
	VBROADCASTSD (SI), Y7
	VMULPD  Y7, Y0, Y8
	VADDPD  Y6, Y8, Y8
	VMULPD  Y8, Y2, Y2
	VMULPD  Y4, Y2, Y10
	VMOVUPD Y10, (DI)
	ADDQ $8, SI
	ADDQ $32, DI
	DECQ CX
	JNE  init1

done1:
	VMOVUPD Y2, (BX)
	VZEROUPPER
	RET

// func mixPlain2AVX(d []float64, lam, v, a *[8]float64, h []float64, init bool)
TEXT ·mixPlain2AVX(SB), NOSPLIT, $0-73
	MOVQ d_base+0(FP), SI
	MOVQ d_len+8(FP), CX
	MOVQ lam+24(FP), AX
	MOVQ v+32(FP), BX
	MOVQ a+40(FP), DX
	MOVQ h_base+48(FP), DI
	MOVBLZX init+72(FP), R8
	VMOVUPD (AX), Y0
	VMOVUPD 32(AX), Y1
	VMOVUPD (BX), Y2
	VMOVUPD 32(BX), Y3
	VMOVUPD (DX), Y4
	VMOVUPD 32(DX), Y5
	VBROADCASTSD one<>(SB), Y6
	TESTQ CX, CX
	JEQ  done2
	TESTQ R8, R8
	JNE  init2

loop2:
	VBROADCASTSD (SI), Y7
	VMULPD  Y7, Y0, Y8
	VMULPD  Y7, Y1, Y9
	VADDPD  Y6, Y8, Y8
	VADDPD  Y6, Y9, Y9
	VMULPD  Y8, Y2, Y2
	VMULPD  Y9, Y3, Y3
	VMULPD  Y4, Y2, Y10
	VMULPD  Y5, Y3, Y11
	VADDPD  (DI), Y10, Y10
	VADDPD  Y11, Y10, Y10
	VMOVUPD Y10, (DI)
	ADDQ $8, SI
	ADDQ $32, DI
	DECQ CX
	JNE  loop2
	JMP  done2

init2:
	VBROADCASTSD (SI), Y7
	VMULPD  Y7, Y0, Y8
	VMULPD  Y7, Y1, Y9
	VADDPD  Y6, Y8, Y8
	VADDPD  Y6, Y9, Y9
	VMULPD  Y8, Y2, Y2
	VMULPD  Y9, Y3, Y3
	VMULPD  Y4, Y2, Y10
	VMULPD  Y5, Y3, Y11
	VADDPD  Y11, Y10, Y10
	VMOVUPD Y10, (DI)
	ADDQ $8, SI
	ADDQ $32, DI
	DECQ CX
	JNE  init2

done2:
	VMOVUPD Y2, (BX)
	VMOVUPD Y3, 32(BX)
	VZEROUPPER
	RET
