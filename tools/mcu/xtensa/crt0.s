# crt0.s - start-up code of edgelstm's emulated ESP32-class core (QEMU `-M sim
# -cpu de233_fpu`, windowed ABI, single-precision FPU; tools/mcu/xtensa/xtensa.ld, docs/deploy.md).
#
# Assembled with `llvm-mc-22 -triple=xtensa -mattr=<the esp32 features> -filetype=obj`.
# QEMU's `-device loader,file=ELF,cpu-num=0` loads the program and starts it at _start
# (not at the core's reset vector: nothing lives there). _start points VECBASE at the
# table below, sets up the register window, the stack, the FPU (CPENABLE), ATOMCTL and PS
# (window overflow exceptions on, interrupts masked), zeroes .bss, starts the instruction
# counter (rt.c), calls main() and hands its return value to the semihosting exit call,
# which ends QEMU with it.
#
# The window overflow/underflow handlers are required: the emulated core has 32 physical
# address registers (an ESP32 has 64), so call chains deeper than about three frames spill.
# Any other exception ends the run with status 64 + EXCCAUSE (64 illegal instruction,
# 67 load/store error, 73 unaligned access, ...); an interrupt or double exception, 127.
# llvm-mc has no mnemonic for `simcall`: it is spelled as its three bytes. Calls go through
# l32r + callx (xtensa-lx106-elf-ld does not resolve llvm-mc's call8 relocations).

        .section .vectors, "ax"
        .global elstm_xt_vectors
elstm_xt_vectors:                       # VECBASE (the linker script aligns it to 4 KiB)

# Window overflow: store the registers of the frame being spilled (a0-a3 of the
# 4/8/12-register call) in its caller's save area below the stack pointer; rfwo returns.
        .org    0x000
        s32e    a0, a5, -16
        s32e    a1, a5, -12
        s32e    a2, a5, -8
        s32e    a3, a5, -4
        rfwo
        .org    0x040                   # underflow of a call4 frame
        l32e    a0, a5, -16
        l32e    a1, a5, -12
        l32e    a2, a5, -8
        l32e    a3, a5, -4
        rfwu
        .org    0x080                   # overflow of a call8 frame: a4-a7 go to the extra
        s32e    a0, a9, -16             # save area of the frame below, found through its
        l32e    a0, a1, -12             # caller's stack pointer
        s32e    a2, a9, -8
        s32e    a1, a9, -12
        s32e    a3, a9, -4
        s32e    a4, a0, -32
        s32e    a5, a0, -28
        s32e    a6, a0, -24
        s32e    a7, a0, -20
        rfwo
        .org    0x0C0                   # underflow of a call8 frame
        l32e    a1, a9, -12
        l32e    a0, a9, -16
        l32e    a7, a1, -12
        l32e    a2, a9, -8
        l32e    a4, a7, -32
        l32e    a3, a9, -4
        l32e    a5, a7, -28
        l32e    a6, a7, -24
        l32e    a7, a7, -20
        rfwu
        .org    0x100                   # overflow of a call12 frame
        s32e    a0, a13, -16
        l32e    a0, a1, -12
        s32e    a1, a13, -12
        s32e    a2, a13, -8
        s32e    a3, a13, -4
        s32e    a4, a0, -48
        s32e    a5, a0, -44
        s32e    a6, a0, -40
        s32e    a7, a0, -36
        s32e    a8, a0, -32
        s32e    a9, a0, -28
        s32e    a10, a0, -24
        s32e    a11, a0, -20
        rfwo
        .org    0x140                   # underflow of a call12 frame
        l32e    a1, a13, -12
        l32e    a0, a13, -16
        l32e    a11, a1, -12
        l32e    a2, a13, -8
        l32e    a4, a11, -48
        l32e    a8, a11, -32
        l32e    a3, a13, -4
        l32e    a5, a11, -44
        l32e    a6, a11, -40
        l32e    a7, a11, -36
        l32e    a9, a11, -28
        l32e    a10, a11, -24
        l32e    a11, a11, -20
        rfwu

# Interrupt levels 2-7, the kernel, user and double exception vectors.
        .org    0x180
        j       elstm_xt_unexpected
        .org    0x1C0
        j       elstm_xt_unexpected
        .org    0x200
        j       elstm_xt_unexpected
        .org    0x240
        j       elstm_xt_unexpected
        .org    0x280
        j       elstm_xt_unexpected
        .org    0x2C0
        j       elstm_xt_unexpected
        .org    0x300
        j       elstm_xt_exception
        .org    0x340
        j       elstm_xt_exception
        .org    0x3C0
        j       elstm_xt_unexpected
        .org    0x400

        .text
        .literal_position
        .literal .Lxt_vectors, elstm_xt_vectors
        .literal .Lxt_stack, _elstm_xt_stack_top
        .literal .Lxt_bss, _elstm_xt_bss_start
        .literal .Lxt_bss_end, _elstm_xt_bss_end
        .literal .Lxt_ps, 0x0004000F    # PS: WOE = 1, EXCM = 0, INTLEVEL = 15
        .literal .Lxt_counter, elstm_mcu_counter_start
        .literal .Lxt_main, main

        .global _start
        .type   _start, @function
        .align  4
_start:
        movi    a0, 0                   # no return address: the end of every backtrace
        l32r    a2, .Lxt_vectors
        wsr     a2, vecbase
        movi    a2, 1                   # one live frame, at window 0
        wsr     a2, windowstart
        movi    a2, 0
        wsr     a2, windowbase
        rsync
        l32r    a1, .Lxt_stack
        movi    a2, 0xFF
        wsr     a2, cpenable            # coprocessors on (the FPU is coprocessor 0)
        movi    a2, 0x15
        wsr     a2, atomctl             # S32C1I allowed on this RAM
        l32r    a2, .Lxt_ps
        wsr     a2, ps
        rsync
        l32r    a2, .Lxt_bss            # .bss is not in the ELF: zero it
        l32r    a3, .Lxt_bss_end
        movi    a4, 0
        j       2f
1:      s32i    a4, a2, 0
        addi    a2, a2, 4
2:      bltu    a2, a3, 1b
        l32r    a4, .Lxt_counter
        callx4  a4                      # instruction counting starts (tools/mcu/mcu.h)
        l32r    a4, .Lxt_main
        callx4  a4                      # main(); its return value comes back in a6
        movi    a2, 1                   # SYS_exit, status = main's return value
        mov     a3, a6
        .byte   0x00, 0x51, 0x00        # simcall
3:      j       3b

elstm_xt_exception:
        rsr     a3, exccause
        addi    a3, a3, 64
        movi    a2, 1
        .byte   0x00, 0x51, 0x00        # simcall: SYS_exit(64 + EXCCAUSE)
4:      j       4b

elstm_xt_unexpected:
        movi    a3, 127
        movi    a2, 1
        .byte   0x00, 0x51, 0x00        # simcall: SYS_exit(127)
5:      j       5b

# int elstm_xt_simcall(int call, int a, int b, int c): QEMU semihosting (the "sim"
# machine's calls: 1 exit(status), 4 write(fd, buf, len)); returns the call's a2.
        .global elstm_xt_simcall
        .type   elstm_xt_simcall, @function
        .align  4
elstm_xt_simcall:
        entry   a1, 32
        .byte   0x00, 0x51, 0x00        # simcall: a2 = call, a3..a5 = arguments
        retw

        .literal_position
        .literal .Lxt_printf, elstm_xt_printf
        .literal .Lxt_snprintf, elstm_xt_snprintf

# printf(format, ...), ei_printf(format, ...) and snprintf(buf, size, format, ...): the
# six argument registers go to the frame's bottom and the C side (rt.c: a8) reads them, then
# the caller's stack arguments (at the incoming stack pointer, a1 + 64). The frame's top
# 32 bytes stay free: the window overflow handlers spill a4-a7 there.
        .global printf
        .global ei_printf
        .global snprintf
        .type   printf, @function
        .type   ei_printf, @function
        .type   snprintf, @function
        .align  4
printf:
ei_printf:
        entry   a1, 64
        l32r    a8, .Lxt_printf
        j       7f
        .align  4
snprintf:
        entry   a1, 64
        l32r    a8, .Lxt_snprintf
7:      s32i    a2, a1, 0
        s32i    a3, a1, 4
        s32i    a4, a1, 8
        s32i    a5, a1, 12
        s32i    a6, a1, 16
        s32i    a7, a1, 20
        mov     a10, a1
        addi    a11, a1, 64
        callx8  a8
        mov     a2, a10
        retw

# float __divsf3(float a, float b): the quotient clang-22 calls for a / b, correctly rounded.
# When both exponents are moderate (fields 72..181: no overflow, underflow or special
# value on the way) in FPU instructions: y ~ 1/b from 0x7EF311C3 - bits(b) (within 5.1%)
# and three Newton steps, q = a y, then two corrections q += (a - q b) y whose residuals
# the fused msub.s computes exactly. Otherwise the integer long division of rt.c.
        .literal_position
        .literal .Lxt_magic, 0x7EF311C3
        .literal .Lxt_one, 0x3F800000
        .literal .Lxt_div_exact, elstm_xt_divsf3_exact
        .global __divsf3
        .type   __divsf3, @function
        .align  4
__divsf3:
        entry   a1, 32
        extui   a4, a2, 23, 8
        extui   a5, a3, 23, 8
        movi    a6, 110
        addi    a4, a4, -72
        bgeu    a4, a6, 6f
        addi    a5, a5, -72
        bgeu    a5, a6, 6f
        wfr     f0, a2                  # a
        wfr     f1, a3                  # b
        l32r    a7, .Lxt_magic
        sub     a7, a7, a3
        wfr     f2, a7                  # y
        l32r    a7, .Lxt_one
        wfr     f3, a7                  # 1
        mov.s   f4, f3
        msub.s  f4, f1, f2
        madd.s  f2, f2, f4              # y += y (1 - b y), three times
        mov.s   f4, f3
        msub.s  f4, f1, f2
        madd.s  f2, f2, f4
        mov.s   f4, f3
        msub.s  f4, f1, f2
        madd.s  f2, f2, f4
        mul.s   f5, f0, f2              # q = a y
        mov.s   f6, f0
        msub.s  f6, f5, f1
        madd.s  f5, f6, f2              # q += (a - q b) y, twice
        mov.s   f6, f0
        msub.s  f6, f5, f1
        madd.s  f5, f6, f2
        rfr     a2, f5
        retw
6:      mov     a10, a2
        mov     a11, a3
        l32r    a8, .Lxt_div_exact
        callx8  a8
        mov     a2, a10
        retw

        .section .note.GNU-stack, "", @progbits
