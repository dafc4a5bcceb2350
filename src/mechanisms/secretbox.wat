;; XSalsa20-Poly1305 (NaCl crypto_secretbox, as CurveZMQ's boxes use it) in WebAssembly with SIMD.
;;
;; Assembled by `node scripts/build-wasm.mjs` into secretbox-wasm.generated.ts (the bytes, base64), which
;; is what runs; test/unit/mechanisms/secretbox-wasm.test.ts checks that the two agree. The JS side is
;; src/mechanisms/secretbox-wasm.ts.
;;
;; A box is sealed or opened as a stream, so that a message of any size passes through the data region:
;;   start()               key (KEY) and nonce (NONCE) -> XSalsa20 state and the Poly1305 key
;;   restart()             the same with the subkey of the previous start() (only nonce[16..24] read)
;;   seal_update(p, n)     encrypt [p, p+n) in place and absorb the ciphertext into the MAC
;;   seal_final(t)         write the 16-byte MAC at t
;;   open_update(p, n)     absorb the ciphertext [p, p+n) into the MAC and decrypt it in place
;;   open_final(t)         0 if the MAC equals the 16 bytes at t, else -1 (compared in constant time)
;; Byte i of the message is XORed with byte 32 + i of the XSalsa20 stream; bytes 0..31 of the stream are
;; the one-time Poly1305 key (NaCl's construction).
;;
;; Speed (docs/performance.md, design decision 26):
;; - Salsa20 runs four blocks at a time: sixteen i32x4 vectors, block j in lane j, which is what the 16
;;   vector registers of x86-64 hold (a second set of sixteen, interleaved, spilled: 1.94 -> 1.51 ns/B when
;;   it went). v128 has no rotate, so a rotation is shl | shr_u. $core8 runs two such sets for a 512-byte window.
;; - Poly1305 is scalar: five 26-bit limbs, i64 products (poly1305-donna's 32-bit design; a product of two
;;   limbs and the sum of five fit in 64 bits). Its blocks are a serial chain of multiplies, so they run
;;   *inside* the Salsa20 rounds ($core4 absorbs one block per round while it computes 256 bytes of
;;   keystream): integer and vector units work at the same time (measured on the CI machine: rounds alone
;;   1.06 ns/B, MAC alone 0.80 ns/B, interleaved 1.51 ns/B). A whole window is XORed in $core4 itself; a
;;   partial one goes through KS.
;; - HSalsa20 and block 0 (the Poly1305 key and the first 32 message bytes) use a scalar core ($core1),
;;   so a short message does not pay for eight blocks.
;; - The block counter lives in word 8 only (word 9 stays 0): a box may hold up to 2^32 blocks (256 GiB).
;;
;; Memory layout (bytes):
;;       0  TPL    64  Salsa20 input words; word 8 is the counter of the next block
;;      64  KS    512  keystream: eight blocks from $core8, or block 0 from $core1 in the last 64 bytes
;;     576  KEY    32  set by the caller
;;     608  NONCE  24  set by the caller
;;     640  ST      8  i32: offset of the next unused byte in KS; i32: bytes held in TAIL
;;     656  R      40  Poly1305 r as five i64 limbs
;;     696  S      32  5 * r1 .. 5 * r4 (i64)
;;     728  H      40  the accumulator h, five i64 limbs
;;     768  PAD    16  the Poly1305 s, added at the end
;;     784  TAIL   16  a partial block waiting for more input
;;     800  MAC    16  scratch for open_final
;;    1024  DATA       the caller's region, up to the end of memory (exported: data, dataSize)
(module
  (memory (export "memory") 2)
  (global (export "data") i32 (i32.const 1024))
  (global (export "dataSize") i32 (i32.const 130048))

  ;; Salsa20/20 of one block, scalar (i32.rotl): input TPL, output the 64 bytes at $out. With $ff = 0 the
  ;; input is not added back: HSalsa20's core.
  (func $core1 (param $out i32) (param $ff i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $x4 i32) (local $x5 i32) (local $x6 i32) (local $x7 i32)
    (local $x8 i32) (local $x9 i32) (local $x10 i32) (local $x11 i32)
    (local $x12 i32) (local $x13 i32) (local $x14 i32) (local $x15 i32)
    (local $i i32)
    (local.set $x0 (i32.load offset=0 (i32.const 0)))
    (local.set $x1 (i32.load offset=4 (i32.const 0)))
    (local.set $x2 (i32.load offset=8 (i32.const 0)))
    (local.set $x3 (i32.load offset=12 (i32.const 0)))
    (local.set $x4 (i32.load offset=16 (i32.const 0)))
    (local.set $x5 (i32.load offset=20 (i32.const 0)))
    (local.set $x6 (i32.load offset=24 (i32.const 0)))
    (local.set $x7 (i32.load offset=28 (i32.const 0)))
    (local.set $x8 (i32.load offset=32 (i32.const 0)))
    (local.set $x9 (i32.load offset=36 (i32.const 0)))
    (local.set $x10 (i32.load offset=40 (i32.const 0)))
    (local.set $x11 (i32.load offset=44 (i32.const 0)))
    (local.set $x12 (i32.load offset=48 (i32.const 0)))
    (local.set $x13 (i32.load offset=52 (i32.const 0)))
    (local.set $x14 (i32.load offset=56 (i32.const 0)))
    (local.set $x15 (i32.load offset=60 (i32.const 0)))
    (local.set $i (i32.const 10))
    (loop $doubleround
      ;; column round: (0 4 8 12) (5 9 13 1) (10 14 2 6) (15 3 7 11)
      (local.set $x4 (i32.xor (local.get $x4) (i32.rotl (i32.add (local.get $x0) (local.get $x12)) (i32.const 7))))
      (local.set $x9 (i32.xor (local.get $x9) (i32.rotl (i32.add (local.get $x5) (local.get $x1)) (i32.const 7))))
      (local.set $x14 (i32.xor (local.get $x14) (i32.rotl (i32.add (local.get $x10) (local.get $x6)) (i32.const 7))))
      (local.set $x3 (i32.xor (local.get $x3) (i32.rotl (i32.add (local.get $x15) (local.get $x11)) (i32.const 7))))
      (local.set $x8 (i32.xor (local.get $x8) (i32.rotl (i32.add (local.get $x4) (local.get $x0)) (i32.const 9))))
      (local.set $x13 (i32.xor (local.get $x13) (i32.rotl (i32.add (local.get $x9) (local.get $x5)) (i32.const 9))))
      (local.set $x2 (i32.xor (local.get $x2) (i32.rotl (i32.add (local.get $x14) (local.get $x10)) (i32.const 9))))
      (local.set $x7 (i32.xor (local.get $x7) (i32.rotl (i32.add (local.get $x3) (local.get $x15)) (i32.const 9))))
      (local.set $x12 (i32.xor (local.get $x12) (i32.rotl (i32.add (local.get $x8) (local.get $x4)) (i32.const 13))))
      (local.set $x1 (i32.xor (local.get $x1) (i32.rotl (i32.add (local.get $x13) (local.get $x9)) (i32.const 13))))
      (local.set $x6 (i32.xor (local.get $x6) (i32.rotl (i32.add (local.get $x2) (local.get $x14)) (i32.const 13))))
      (local.set $x11 (i32.xor (local.get $x11) (i32.rotl (i32.add (local.get $x7) (local.get $x3)) (i32.const 13))))
      (local.set $x0 (i32.xor (local.get $x0) (i32.rotl (i32.add (local.get $x12) (local.get $x8)) (i32.const 18))))
      (local.set $x5 (i32.xor (local.get $x5) (i32.rotl (i32.add (local.get $x1) (local.get $x13)) (i32.const 18))))
      (local.set $x10 (i32.xor (local.get $x10) (i32.rotl (i32.add (local.get $x6) (local.get $x2)) (i32.const 18))))
      (local.set $x15 (i32.xor (local.get $x15) (i32.rotl (i32.add (local.get $x11) (local.get $x7)) (i32.const 18))))
      ;; row round: (0 1 2 3) (5 6 7 4) (10 11 8 9) (15 12 13 14)
      (local.set $x1 (i32.xor (local.get $x1) (i32.rotl (i32.add (local.get $x0) (local.get $x3)) (i32.const 7))))
      (local.set $x6 (i32.xor (local.get $x6) (i32.rotl (i32.add (local.get $x5) (local.get $x4)) (i32.const 7))))
      (local.set $x11 (i32.xor (local.get $x11) (i32.rotl (i32.add (local.get $x10) (local.get $x9)) (i32.const 7))))
      (local.set $x12 (i32.xor (local.get $x12) (i32.rotl (i32.add (local.get $x15) (local.get $x14)) (i32.const 7))))
      (local.set $x2 (i32.xor (local.get $x2) (i32.rotl (i32.add (local.get $x1) (local.get $x0)) (i32.const 9))))
      (local.set $x7 (i32.xor (local.get $x7) (i32.rotl (i32.add (local.get $x6) (local.get $x5)) (i32.const 9))))
      (local.set $x8 (i32.xor (local.get $x8) (i32.rotl (i32.add (local.get $x11) (local.get $x10)) (i32.const 9))))
      (local.set $x13 (i32.xor (local.get $x13) (i32.rotl (i32.add (local.get $x12) (local.get $x15)) (i32.const 9))))
      (local.set $x3 (i32.xor (local.get $x3) (i32.rotl (i32.add (local.get $x2) (local.get $x1)) (i32.const 13))))
      (local.set $x4 (i32.xor (local.get $x4) (i32.rotl (i32.add (local.get $x7) (local.get $x6)) (i32.const 13))))
      (local.set $x9 (i32.xor (local.get $x9) (i32.rotl (i32.add (local.get $x8) (local.get $x11)) (i32.const 13))))
      (local.set $x14 (i32.xor (local.get $x14) (i32.rotl (i32.add (local.get $x13) (local.get $x12)) (i32.const 13))))
      (local.set $x0 (i32.xor (local.get $x0) (i32.rotl (i32.add (local.get $x3) (local.get $x2)) (i32.const 18))))
      (local.set $x5 (i32.xor (local.get $x5) (i32.rotl (i32.add (local.get $x4) (local.get $x7)) (i32.const 18))))
      (local.set $x10 (i32.xor (local.get $x10) (i32.rotl (i32.add (local.get $x9) (local.get $x8)) (i32.const 18))))
      (local.set $x15 (i32.xor (local.get $x15) (i32.rotl (i32.add (local.get $x14) (local.get $x13)) (i32.const 18))))
      (br_if $doubleround (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    (if (local.get $ff)
      (then
        (local.set $x0 (i32.add (local.get $x0) (i32.load offset=0 (i32.const 0))))
        (local.set $x1 (i32.add (local.get $x1) (i32.load offset=4 (i32.const 0))))
        (local.set $x2 (i32.add (local.get $x2) (i32.load offset=8 (i32.const 0))))
        (local.set $x3 (i32.add (local.get $x3) (i32.load offset=12 (i32.const 0))))
        (local.set $x4 (i32.add (local.get $x4) (i32.load offset=16 (i32.const 0))))
        (local.set $x5 (i32.add (local.get $x5) (i32.load offset=20 (i32.const 0))))
        (local.set $x6 (i32.add (local.get $x6) (i32.load offset=24 (i32.const 0))))
        (local.set $x7 (i32.add (local.get $x7) (i32.load offset=28 (i32.const 0))))
        (local.set $x8 (i32.add (local.get $x8) (i32.load offset=32 (i32.const 0))))
        (local.set $x9 (i32.add (local.get $x9) (i32.load offset=36 (i32.const 0))))
        (local.set $x10 (i32.add (local.get $x10) (i32.load offset=40 (i32.const 0))))
        (local.set $x11 (i32.add (local.get $x11) (i32.load offset=44 (i32.const 0))))
        (local.set $x12 (i32.add (local.get $x12) (i32.load offset=48 (i32.const 0))))
        (local.set $x13 (i32.add (local.get $x13) (i32.load offset=52 (i32.const 0))))
        (local.set $x14 (i32.add (local.get $x14) (i32.load offset=56 (i32.const 0))))
        (local.set $x15 (i32.add (local.get $x15) (i32.load offset=60 (i32.const 0))))
      ))
    (i32.store offset=0 (local.get $out) (local.get $x0))
    (i32.store offset=4 (local.get $out) (local.get $x1))
    (i32.store offset=8 (local.get $out) (local.get $x2))
    (i32.store offset=12 (local.get $out) (local.get $x3))
    (i32.store offset=16 (local.get $out) (local.get $x4))
    (i32.store offset=20 (local.get $out) (local.get $x5))
    (i32.store offset=24 (local.get $out) (local.get $x6))
    (i32.store offset=28 (local.get $out) (local.get $x7))
    (i32.store offset=32 (local.get $out) (local.get $x8))
    (i32.store offset=36 (local.get $out) (local.get $x9))
    (i32.store offset=40 (local.get $out) (local.get $x10))
    (i32.store offset=44 (local.get $out) (local.get $x11))
    (i32.store offset=48 (local.get $out) (local.get $x12))
    (i32.store offset=52 (local.get $out) (local.get $x13))
    (i32.store offset=56 (local.get $out) (local.get $x14))
    (i32.store offset=60 (local.get $out) (local.get $x15))
  )

  ;; Salsa20/20 of eight consecutive blocks, counters TPL[8] + 0..7, as two sets of four ($core4), into KS
  ;; (block j at KS + 64 j), or XORed straight into the 512 bytes at $dst when $dst is not 0 (a whole window
  ;; of data: no keystream stored and loaded again); meanwhile absorbs the $mn (at most 32) full 16-byte
  ;; blocks at $mp into the MAC, the first 16 during the first set.
  (func $core8 (param $mp i32) (param $mn i32) (param $dst i32)
    (local $first i32)
    (local.set $first (select (local.get $mn) (i32.const 16) (i32.lt_u (local.get $mn) (i32.const 16))))
    (if (local.get $dst)
      (then
        (call $core4 (local.get $mp) (local.get $first) (local.get $dst) (i32.const -1) (i32.const 0))
        (call $core4 (i32.add (local.get $mp) (i32.const 256)) (i32.sub (local.get $mn) (local.get $first))
          (i32.add (local.get $dst) (i32.const 256)) (i32.const -1) (i32.const 4)))
      (else
        (call $core4 (local.get $mp) (local.get $first) (i32.const 64) (i32.const 0) (i32.const 0))
        (call $core4 (i32.add (local.get $mp) (i32.const 256)) (i32.sub (local.get $mn) (local.get $first))
          (i32.const 320) (i32.const 0) (i32.const 4)))))

  ;; Salsa20/20 of the four blocks with counters TPL[8] + $lane .. + $lane + 3 (block j in lane j of sixteen
  ;; i32x4 vectors), written to the 256 bytes at $out: XORed into them when $xor is -1, stored when 0. One
  ;; set of sixteen vectors fits the CPU's vector registers (two sets spill). Meanwhile absorbs up to $mn
  ;; (at most 20) full 16-byte blocks at $mp into the MAC, one per round: the MAC's serial multiplies run
  ;; on the integer units while the rounds keep the vector units busy.
  (func $core4 (param $mp i32) (param $mn i32) (param $out i32) (param $xor i32) (param $lane i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local $x4 v128) (local $x5 v128) (local $x6 v128) (local $x7 v128)
    (local $x8 v128) (local $x9 v128) (local $x10 v128) (local $x11 v128)
    (local $x12 v128) (local $x13 v128) (local $x14 v128) (local $x15 v128)
    (local $t v128) (local $mask v128) (local $ctr v128) (local $i i32)
    (local $ab01 v128) (local $ab23 v128) (local $cd01 v128) (local $cd23 v128)
    (local $r0 i64) (local $r1 i64) (local $r2 i64) (local $r3 i64) (local $r4 i64)
    (local $s1 i64) (local $s2 i64) (local $s3 i64) (local $s4 i64)
    (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64) (local $h4 i64)
    (local $d0 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64) (local $d4 i64)
    (local $lo i64) (local $hi i64)
    (local.set $r0 (i64.load offset=656 (i32.const 0)))
    (local.set $r1 (i64.load offset=664 (i32.const 0)))
    (local.set $r2 (i64.load offset=672 (i32.const 0)))
    (local.set $r3 (i64.load offset=680 (i32.const 0)))
    (local.set $r4 (i64.load offset=688 (i32.const 0)))
    (local.set $s1 (i64.load offset=696 (i32.const 0)))
    (local.set $s2 (i64.load offset=704 (i32.const 0)))
    (local.set $s3 (i64.load offset=712 (i32.const 0)))
    (local.set $s4 (i64.load offset=720 (i32.const 0)))
    (local.set $h0 (i64.load offset=728 (i32.const 0)))
    (local.set $h1 (i64.load offset=736 (i32.const 0)))
    (local.set $h2 (i64.load offset=744 (i32.const 0)))
    (local.set $h3 (i64.load offset=752 (i32.const 0)))
    (local.set $h4 (i64.load offset=760 (i32.const 0)))
    (local.set $mask (i32x4.splat (local.get $xor)))
    ;; the counter word of each lane: TPL[8] + $lane + j
    (local.set $ctr (i32x4.add (i32x4.splat (i32.add (i32.load offset=32 (i32.const 0)) (local.get $lane)))
      (v128.const i32x4 0 1 2 3)))
    (local.set $x0 (v128.load32_splat offset=0 (i32.const 0)))
    (local.set $x1 (v128.load32_splat offset=4 (i32.const 0)))
    (local.set $x2 (v128.load32_splat offset=8 (i32.const 0)))
    (local.set $x3 (v128.load32_splat offset=12 (i32.const 0)))
    (local.set $x4 (v128.load32_splat offset=16 (i32.const 0)))
    (local.set $x5 (v128.load32_splat offset=20 (i32.const 0)))
    (local.set $x6 (v128.load32_splat offset=24 (i32.const 0)))
    (local.set $x7 (v128.load32_splat offset=28 (i32.const 0)))
    (local.set $x8 (local.get $ctr))
    (local.set $x9 (v128.load32_splat offset=36 (i32.const 0)))
    (local.set $x10 (v128.load32_splat offset=40 (i32.const 0)))
    (local.set $x11 (v128.load32_splat offset=44 (i32.const 0)))
    (local.set $x12 (v128.load32_splat offset=48 (i32.const 0)))
    (local.set $x13 (v128.load32_splat offset=52 (i32.const 0)))
    (local.set $x14 (v128.load32_splat offset=56 (i32.const 0)))
    (local.set $x15 (v128.load32_splat offset=60 (i32.const 0)))
    (local.set $i (i32.const 10))
    (loop $doubleround
      ;; column round: (0 4 8 12) (5 9 13 1) (10 14 2 6) (15 3 7 11)
      (if (local.get $mn) (then
      (local.set $lo (i64.load (local.get $mp)))
      (local.set $hi (i64.load offset=8 (local.get $mp)))
      (local.set $h0 (i64.add (local.get $h0) (i64.and (local.get $lo) (i64.const 0x3ffffff))))
      (local.set $h1 (i64.add (local.get $h1)
        (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff))))
      (local.set $h2 (i64.add (local.get $h2) (i64.and
        (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
        (i64.const 0x3ffffff))))
      (local.set $h3 (i64.add (local.get $h3)
        (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff))))
      (local.set $h4 (i64.add (local.get $h4)
        (i64.or (i64.shr_u (local.get $hi) (i64.const 40)) (i64.const 0x1000000))))
      (local.set $d0 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r0)) (i64.mul (local.get $h1) (local.get $s4)))
        (i64.mul (local.get $h2) (local.get $s3))) (i64.mul (local.get $h3) (local.get $s2)))
        (i64.mul (local.get $h4) (local.get $s1))))
      (local.set $d1 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r1)) (i64.mul (local.get $h1) (local.get $r0)))
        (i64.mul (local.get $h2) (local.get $s4))) (i64.mul (local.get $h3) (local.get $s3)))
        (i64.mul (local.get $h4) (local.get $s2))))
      (local.set $d2 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r2)) (i64.mul (local.get $h1) (local.get $r1)))
        (i64.mul (local.get $h2) (local.get $r0))) (i64.mul (local.get $h3) (local.get $s4)))
        (i64.mul (local.get $h4) (local.get $s3))))
      (local.set $d3 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r3)) (i64.mul (local.get $h1) (local.get $r2)))
        (i64.mul (local.get $h2) (local.get $r1))) (i64.mul (local.get $h3) (local.get $r0)))
        (i64.mul (local.get $h4) (local.get $s4))))
      (local.set $d4 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r4)) (i64.mul (local.get $h1) (local.get $r3)))
        (i64.mul (local.get $h2) (local.get $r2))) (i64.mul (local.get $h3) (local.get $r1)))
        (i64.mul (local.get $h4) (local.get $r0))))
      (local.set $h0 (i64.and (local.get $d0) (i64.const 0x3ffffff)))
      (local.set $d1 (i64.add (local.get $d1) (i64.shr_u (local.get $d0) (i64.const 26))))
      (local.set $h1 (i64.and (local.get $d1) (i64.const 0x3ffffff)))
      (local.set $d2 (i64.add (local.get $d2) (i64.shr_u (local.get $d1) (i64.const 26))))
      (local.set $h2 (i64.and (local.get $d2) (i64.const 0x3ffffff)))
      (local.set $d3 (i64.add (local.get $d3) (i64.shr_u (local.get $d2) (i64.const 26))))
      (local.set $h3 (i64.and (local.get $d3) (i64.const 0x3ffffff)))
      (local.set $d4 (i64.add (local.get $d4) (i64.shr_u (local.get $d3) (i64.const 26))))
      (local.set $h4 (i64.and (local.get $d4) (i64.const 0x3ffffff)))
      (local.set $h0 (i64.add (local.get $h0) (i64.mul (i64.shr_u (local.get $d4) (i64.const 26)) (i64.const 5))))
      (local.set $h1 (i64.add (local.get $h1) (i64.shr_u (local.get $h0) (i64.const 26))))
      (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
        (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
        (local.set $mn (i32.sub (local.get $mn) (i32.const 1)))))
      (local.set $x4 (v128.xor (local.get $x4) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x0) (local.get $x12))) (i32.const 7))
        (i32x4.shr_u (local.get $t) (i32.const 25)))))
      (local.set $x9 (v128.xor (local.get $x9) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x5) (local.get $x1))) (i32.const 7))
        (i32x4.shr_u (local.get $t) (i32.const 25)))))
      (local.set $x14 (v128.xor (local.get $x14) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x10) (local.get $x6))) (i32.const 7))
        (i32x4.shr_u (local.get $t) (i32.const 25)))))
      (local.set $x3 (v128.xor (local.get $x3) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x15) (local.get $x11))) (i32.const 7))
        (i32x4.shr_u (local.get $t) (i32.const 25)))))
      (local.set $x8 (v128.xor (local.get $x8) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x4) (local.get $x0))) (i32.const 9))
        (i32x4.shr_u (local.get $t) (i32.const 23)))))
      (local.set $x13 (v128.xor (local.get $x13) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x9) (local.get $x5))) (i32.const 9))
        (i32x4.shr_u (local.get $t) (i32.const 23)))))
      (local.set $x2 (v128.xor (local.get $x2) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x14) (local.get $x10))) (i32.const 9))
        (i32x4.shr_u (local.get $t) (i32.const 23)))))
      (local.set $x7 (v128.xor (local.get $x7) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x3) (local.get $x15))) (i32.const 9))
        (i32x4.shr_u (local.get $t) (i32.const 23)))))
      (local.set $x12 (v128.xor (local.get $x12) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x8) (local.get $x4))) (i32.const 13))
        (i32x4.shr_u (local.get $t) (i32.const 19)))))
      (local.set $x1 (v128.xor (local.get $x1) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x13) (local.get $x9))) (i32.const 13))
        (i32x4.shr_u (local.get $t) (i32.const 19)))))
      (local.set $x6 (v128.xor (local.get $x6) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x2) (local.get $x14))) (i32.const 13))
        (i32x4.shr_u (local.get $t) (i32.const 19)))))
      (local.set $x11 (v128.xor (local.get $x11) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x7) (local.get $x3))) (i32.const 13))
        (i32x4.shr_u (local.get $t) (i32.const 19)))))
      (local.set $x0 (v128.xor (local.get $x0) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x12) (local.get $x8))) (i32.const 18))
        (i32x4.shr_u (local.get $t) (i32.const 14)))))
      (local.set $x5 (v128.xor (local.get $x5) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x1) (local.get $x13))) (i32.const 18))
        (i32x4.shr_u (local.get $t) (i32.const 14)))))
      (local.set $x10 (v128.xor (local.get $x10) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x6) (local.get $x2))) (i32.const 18))
        (i32x4.shr_u (local.get $t) (i32.const 14)))))
      (local.set $x15 (v128.xor (local.get $x15) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x11) (local.get $x7))) (i32.const 18))
        (i32x4.shr_u (local.get $t) (i32.const 14)))))
      ;; row round: (0 1 2 3) (5 6 7 4) (10 11 8 9) (15 12 13 14)
      (if (local.get $mn) (then
      (local.set $lo (i64.load (local.get $mp)))
      (local.set $hi (i64.load offset=8 (local.get $mp)))
      (local.set $h0 (i64.add (local.get $h0) (i64.and (local.get $lo) (i64.const 0x3ffffff))))
      (local.set $h1 (i64.add (local.get $h1)
        (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff))))
      (local.set $h2 (i64.add (local.get $h2) (i64.and
        (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
        (i64.const 0x3ffffff))))
      (local.set $h3 (i64.add (local.get $h3)
        (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff))))
      (local.set $h4 (i64.add (local.get $h4)
        (i64.or (i64.shr_u (local.get $hi) (i64.const 40)) (i64.const 0x1000000))))
      (local.set $d0 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r0)) (i64.mul (local.get $h1) (local.get $s4)))
        (i64.mul (local.get $h2) (local.get $s3))) (i64.mul (local.get $h3) (local.get $s2)))
        (i64.mul (local.get $h4) (local.get $s1))))
      (local.set $d1 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r1)) (i64.mul (local.get $h1) (local.get $r0)))
        (i64.mul (local.get $h2) (local.get $s4))) (i64.mul (local.get $h3) (local.get $s3)))
        (i64.mul (local.get $h4) (local.get $s2))))
      (local.set $d2 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r2)) (i64.mul (local.get $h1) (local.get $r1)))
        (i64.mul (local.get $h2) (local.get $r0))) (i64.mul (local.get $h3) (local.get $s4)))
        (i64.mul (local.get $h4) (local.get $s3))))
      (local.set $d3 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r3)) (i64.mul (local.get $h1) (local.get $r2)))
        (i64.mul (local.get $h2) (local.get $r1))) (i64.mul (local.get $h3) (local.get $r0)))
        (i64.mul (local.get $h4) (local.get $s4))))
      (local.set $d4 (i64.add (i64.add (i64.add (i64.add
        (i64.mul (local.get $h0) (local.get $r4)) (i64.mul (local.get $h1) (local.get $r3)))
        (i64.mul (local.get $h2) (local.get $r2))) (i64.mul (local.get $h3) (local.get $r1)))
        (i64.mul (local.get $h4) (local.get $r0))))
      (local.set $h0 (i64.and (local.get $d0) (i64.const 0x3ffffff)))
      (local.set $d1 (i64.add (local.get $d1) (i64.shr_u (local.get $d0) (i64.const 26))))
      (local.set $h1 (i64.and (local.get $d1) (i64.const 0x3ffffff)))
      (local.set $d2 (i64.add (local.get $d2) (i64.shr_u (local.get $d1) (i64.const 26))))
      (local.set $h2 (i64.and (local.get $d2) (i64.const 0x3ffffff)))
      (local.set $d3 (i64.add (local.get $d3) (i64.shr_u (local.get $d2) (i64.const 26))))
      (local.set $h3 (i64.and (local.get $d3) (i64.const 0x3ffffff)))
      (local.set $d4 (i64.add (local.get $d4) (i64.shr_u (local.get $d3) (i64.const 26))))
      (local.set $h4 (i64.and (local.get $d4) (i64.const 0x3ffffff)))
      (local.set $h0 (i64.add (local.get $h0) (i64.mul (i64.shr_u (local.get $d4) (i64.const 26)) (i64.const 5))))
      (local.set $h1 (i64.add (local.get $h1) (i64.shr_u (local.get $h0) (i64.const 26))))
      (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
        (local.set $mp (i32.add (local.get $mp) (i32.const 16)))
        (local.set $mn (i32.sub (local.get $mn) (i32.const 1)))))
      (local.set $x1 (v128.xor (local.get $x1) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x0) (local.get $x3))) (i32.const 7))
        (i32x4.shr_u (local.get $t) (i32.const 25)))))
      (local.set $x6 (v128.xor (local.get $x6) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x5) (local.get $x4))) (i32.const 7))
        (i32x4.shr_u (local.get $t) (i32.const 25)))))
      (local.set $x11 (v128.xor (local.get $x11) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x10) (local.get $x9))) (i32.const 7))
        (i32x4.shr_u (local.get $t) (i32.const 25)))))
      (local.set $x12 (v128.xor (local.get $x12) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x15) (local.get $x14))) (i32.const 7))
        (i32x4.shr_u (local.get $t) (i32.const 25)))))
      (local.set $x2 (v128.xor (local.get $x2) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x1) (local.get $x0))) (i32.const 9))
        (i32x4.shr_u (local.get $t) (i32.const 23)))))
      (local.set $x7 (v128.xor (local.get $x7) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x6) (local.get $x5))) (i32.const 9))
        (i32x4.shr_u (local.get $t) (i32.const 23)))))
      (local.set $x8 (v128.xor (local.get $x8) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x11) (local.get $x10))) (i32.const 9))
        (i32x4.shr_u (local.get $t) (i32.const 23)))))
      (local.set $x13 (v128.xor (local.get $x13) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x12) (local.get $x15))) (i32.const 9))
        (i32x4.shr_u (local.get $t) (i32.const 23)))))
      (local.set $x3 (v128.xor (local.get $x3) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x2) (local.get $x1))) (i32.const 13))
        (i32x4.shr_u (local.get $t) (i32.const 19)))))
      (local.set $x4 (v128.xor (local.get $x4) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x7) (local.get $x6))) (i32.const 13))
        (i32x4.shr_u (local.get $t) (i32.const 19)))))
      (local.set $x9 (v128.xor (local.get $x9) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x8) (local.get $x11))) (i32.const 13))
        (i32x4.shr_u (local.get $t) (i32.const 19)))))
      (local.set $x14 (v128.xor (local.get $x14) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x13) (local.get $x12))) (i32.const 13))
        (i32x4.shr_u (local.get $t) (i32.const 19)))))
      (local.set $x0 (v128.xor (local.get $x0) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x3) (local.get $x2))) (i32.const 18))
        (i32x4.shr_u (local.get $t) (i32.const 14)))))
      (local.set $x5 (v128.xor (local.get $x5) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x4) (local.get $x7))) (i32.const 18))
        (i32x4.shr_u (local.get $t) (i32.const 14)))))
      (local.set $x10 (v128.xor (local.get $x10) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x9) (local.get $x8))) (i32.const 18))
        (i32x4.shr_u (local.get $t) (i32.const 14)))))
      (local.set $x15 (v128.xor (local.get $x15) (v128.or
        (i32x4.shl (local.tee $t (i32x4.add (local.get $x14) (local.get $x13))) (i32.const 18))
        (i32x4.shr_u (local.get $t) (i32.const 14)))))
      (br_if $doubleround (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))
    (i64.store offset=728 (i32.const 0) (local.get $h0))
    (i64.store offset=736 (i32.const 0) (local.get $h1))
    (i64.store offset=744 (i32.const 0) (local.get $h2))
    (i64.store offset=752 (i32.const 0) (local.get $h3))
    (i64.store offset=760 (i32.const 0) (local.get $h4))
    (local.set $x0 (i32x4.add (local.get $x0) (v128.load32_splat offset=0 (i32.const 0))))
    (local.set $x1 (i32x4.add (local.get $x1) (v128.load32_splat offset=4 (i32.const 0))))
    (local.set $x2 (i32x4.add (local.get $x2) (v128.load32_splat offset=8 (i32.const 0))))
    (local.set $x3 (i32x4.add (local.get $x3) (v128.load32_splat offset=12 (i32.const 0))))
    (local.set $x4 (i32x4.add (local.get $x4) (v128.load32_splat offset=16 (i32.const 0))))
    (local.set $x5 (i32x4.add (local.get $x5) (v128.load32_splat offset=20 (i32.const 0))))
    (local.set $x6 (i32x4.add (local.get $x6) (v128.load32_splat offset=24 (i32.const 0))))
    (local.set $x7 (i32x4.add (local.get $x7) (v128.load32_splat offset=28 (i32.const 0))))
    (local.set $x8 (i32x4.add (local.get $x8) (local.get $ctr)))
    (local.set $x9 (i32x4.add (local.get $x9) (v128.load32_splat offset=36 (i32.const 0))))
    (local.set $x10 (i32x4.add (local.get $x10) (v128.load32_splat offset=40 (i32.const 0))))
    (local.set $x11 (i32x4.add (local.get $x11) (v128.load32_splat offset=44 (i32.const 0))))
    (local.set $x12 (i32x4.add (local.get $x12) (v128.load32_splat offset=48 (i32.const 0))))
    (local.set $x13 (i32x4.add (local.get $x13) (v128.load32_splat offset=52 (i32.const 0))))
    (local.set $x14 (i32x4.add (local.get $x14) (v128.load32_splat offset=56 (i32.const 0))))
    (local.set $x15 (i32x4.add (local.get $x15) (v128.load32_splat offset=60 (i32.const 0))))
    ;; Lane j of x[4g .. 4g+3] is bytes 16 g .. 16 g + 15 of block j: transpose each group of four
    ;; (a b c d -> [a_j b_j c_j d_j] for block j), then XOR into $out (the old bytes masked off to store).
    (local.set $ab01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x0) (local.get $x1)))
    (local.set $ab23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x0) (local.get $x1)))
    (local.set $cd01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x2) (local.get $x3)))
    (local.set $cd23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x2) (local.get $x3)))
    (v128.store offset=0 (local.get $out) (v128.xor
      (v128.and (v128.load offset=0 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab01) (local.get $cd01))))
    (v128.store offset=64 (local.get $out) (v128.xor
      (v128.and (v128.load offset=64 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab01) (local.get $cd01))))
    (v128.store offset=128 (local.get $out) (v128.xor
      (v128.and (v128.load offset=128 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab23) (local.get $cd23))))
    (v128.store offset=192 (local.get $out) (v128.xor
      (v128.and (v128.load offset=192 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab23) (local.get $cd23))))
    (local.set $ab01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x4) (local.get $x5)))
    (local.set $ab23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x4) (local.get $x5)))
    (local.set $cd01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x6) (local.get $x7)))
    (local.set $cd23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x6) (local.get $x7)))
    (v128.store offset=16 (local.get $out) (v128.xor
      (v128.and (v128.load offset=16 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab01) (local.get $cd01))))
    (v128.store offset=80 (local.get $out) (v128.xor
      (v128.and (v128.load offset=80 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab01) (local.get $cd01))))
    (v128.store offset=144 (local.get $out) (v128.xor
      (v128.and (v128.load offset=144 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab23) (local.get $cd23))))
    (v128.store offset=208 (local.get $out) (v128.xor
      (v128.and (v128.load offset=208 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab23) (local.get $cd23))))
    (local.set $ab01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x8) (local.get $x9)))
    (local.set $ab23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x8) (local.get $x9)))
    (local.set $cd01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x10) (local.get $x11)))
    (local.set $cd23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x10) (local.get $x11)))
    (v128.store offset=32 (local.get $out) (v128.xor
      (v128.and (v128.load offset=32 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab01) (local.get $cd01))))
    (v128.store offset=96 (local.get $out) (v128.xor
      (v128.and (v128.load offset=96 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab01) (local.get $cd01))))
    (v128.store offset=160 (local.get $out) (v128.xor
      (v128.and (v128.load offset=160 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab23) (local.get $cd23))))
    (v128.store offset=224 (local.get $out) (v128.xor
      (v128.and (v128.load offset=224 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab23) (local.get $cd23))))
    (local.set $ab01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x12) (local.get $x13)))
    (local.set $ab23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x12) (local.get $x13)))
    (local.set $cd01 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $x14) (local.get $x15)))
    (local.set $cd23 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $x14) (local.get $x15)))
    (v128.store offset=48 (local.get $out) (v128.xor
      (v128.and (v128.load offset=48 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab01) (local.get $cd01))))
    (v128.store offset=112 (local.get $out) (v128.xor
      (v128.and (v128.load offset=112 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab01) (local.get $cd01))))
    (v128.store offset=176 (local.get $out) (v128.xor
      (v128.and (v128.load offset=176 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab23) (local.get $cd23))))
    (v128.store offset=240 (local.get $out) (v128.xor
      (v128.and (v128.load offset=240 (local.get $out)) (local.get $mask))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab23) (local.get $cd23)))))

;; Key and nonce -> the XSalsa20 input words in TPL, block 0 in the last 64 bytes of KS (next unused
  ;; byte: 32, after the Poly1305 key), and the Poly1305 state.
  (func (export "start")
    (call $subkey)
    (call $restart))

  ;; HSalsa20(key, nonce[0..16]) into TPL: the subkey is words 0 5 10 15 6 7 8 9 of the bare rounds.
  (func $subkey
    (i32.store offset=0 (i32.const 0) (i32.const 0x61707865))
    (i32.store offset=20 (i32.const 0) (i32.const 0x3320646e))
    (i32.store offset=40 (i32.const 0) (i32.const 0x79622d32))
    (i32.store offset=60 (i32.const 0) (i32.const 0x6b206574))
    (v128.store offset=4 (i32.const 0) (v128.load offset=576 (i32.const 0)))
    (v128.store offset=44 (i32.const 0) (v128.load offset=592 (i32.const 0)))
    (v128.store offset=24 (i32.const 0) (v128.load offset=608 (i32.const 0)))
    (call $core1 (i32.const 512) (i32.const 0))
    (i32.store offset=4 (i32.const 0) (i32.load offset=512 (i32.const 0)))
    (i32.store offset=8 (i32.const 0) (i32.load offset=532 (i32.const 0)))
    (i32.store offset=12 (i32.const 0) (i32.load offset=552 (i32.const 0)))
    (i32.store offset=16 (i32.const 0) (i32.load offset=572 (i32.const 0)))
    (v128.store offset=44 (i32.const 0) (v128.load offset=536 (i32.const 0)))
  )

  ;; A box with the subkey already in TPL (the previous box had the same key and nonce[0..16], as
  ;; CurveZMQ MESSAGEs of one direction do): Salsa20(subkey, nonce[16..24]) from block 0, the Poly1305 key.
  (func $restart (export "restart")
    (local $lo i64) (local $hi i64)
    (i64.store offset=24 (i32.const 0) (i64.load offset=624 (i32.const 0)))
    (i64.store offset=32 (i32.const 0) (i64.const 0))
    (call $core1 (i32.const 512) (i32.const 1))
    (i32.store offset=32 (i32.const 0) (i32.const 1))
    (i32.store offset=640 (i32.const 0) (i32.const 480))
    (i32.store offset=644 (i32.const 0) (i32.const 0))
    ;; Poly1305 key: r (clamped; as 26-bit limbs, and 5 r) and s, from the first 32 bytes of block 0.
    (local.set $lo (i64.and (i64.load offset=512 (i32.const 0)) (i64.const 0x0ffffffc0fffffff)))
    (local.set $hi (i64.and (i64.load offset=520 (i32.const 0)) (i64.const 0x0ffffffc0ffffffc)))
    (i64.store offset=656 (i32.const 0) (i64.and (local.get $lo) (i64.const 0x3ffffff)))
    (i64.store offset=664 (i32.const 0)
      (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff)))
    (i64.store offset=672 (i32.const 0) (i64.and
      (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
      (i64.const 0x3ffffff)))
    (i64.store offset=680 (i32.const 0)
      (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff)))
    (i64.store offset=688 (i32.const 0) (i64.shr_u (local.get $hi) (i64.const 40)))
    (i64.store offset=696 (i32.const 0) (i64.mul (i64.load offset=664 (i32.const 0)) (i64.const 5)))
    (i64.store offset=704 (i32.const 0) (i64.mul (i64.load offset=672 (i32.const 0)) (i64.const 5)))
    (i64.store offset=712 (i32.const 0) (i64.mul (i64.load offset=680 (i32.const 0)) (i64.const 5)))
    (i64.store offset=720 (i32.const 0) (i64.mul (i64.load offset=688 (i32.const 0)) (i64.const 5)))
    (v128.store offset=768 (i32.const 0) (v128.load offset=528 (i32.const 0)))
    (v128.store offset=728 (i32.const 0) (v128.const i64x2 0 0))
    (v128.store offset=744 (i32.const 0) (v128.const i64x2 0 0))
    (i64.store offset=760 (i32.const 0) (i64.const 0)))

  ;; The next eight keystream blocks into KS (or XORed into $dst, see $core8), absorbing $mn full blocks at
  ;; $mp meanwhile.
  (func $refill (param $mp i32) (param $mn i32) (param $dst i32)
    (call $core8 (local.get $mp) (local.get $mn) (local.get $dst))
    (i32.store offset=32 (i32.const 0) (i32.add (i32.load offset=32 (i32.const 0)) (i32.const 8))))

  ;; [p, p+n) ^= KS[off, off+n)
  (func $xor (param $p i32) (param $n i32) (param $off i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -16))))
    (block $wide_done
      (loop $wide
        (br_if $wide_done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p)
          (v128.xor (v128.load (local.get $p)) (v128.load offset=64 (local.get $off))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $wide)))
    (local.set $end (i32.add (local.get $p) (i32.and (local.get $n) (i32.const 15))))
    (block $bytes_done
      (loop $bytes
        (br_if $bytes_done (i32.ge_u (local.get $p) (local.get $end)))
        (i32.store8 (local.get $p)
          (i32.xor (i32.load8_u (local.get $p)) (i32.load8_u offset=64 (local.get $off))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (local.set $off (i32.add (local.get $off) (i32.const 1)))
        (br $bytes))))

  ;; Absorb $n full 16-byte blocks at p into the MAC; $top is 2^128 (1 << 24 in the fifth limb) for
  ;; message blocks, 0 for the padded last one.
  (func $blocks (param $p i32) (param $n i32) (param $top i64)
    (local $r0 i64) (local $r1 i64) (local $r2 i64) (local $r3 i64)
    (local $r4 i64)
    (local $s1 i64) (local $s2 i64) (local $s3 i64) (local $s4 i64)
    (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64)
    (local $h4 i64)
    (local $d0 i64) (local $d1 i64) (local $d2 i64) (local $d3 i64)
    (local $d4 i64)
    (local $lo i64) (local $hi i64)
    (local $end i32)
    (local.set $r0 (i64.load offset=656 (i32.const 0)))
    (local.set $r1 (i64.load offset=664 (i32.const 0)))
    (local.set $r2 (i64.load offset=672 (i32.const 0)))
    (local.set $r3 (i64.load offset=680 (i32.const 0)))
    (local.set $r4 (i64.load offset=688 (i32.const 0)))
    (local.set $s1 (i64.load offset=696 (i32.const 0)))
    (local.set $s2 (i64.load offset=704 (i32.const 0)))
    (local.set $s3 (i64.load offset=712 (i32.const 0)))
    (local.set $s4 (i64.load offset=720 (i32.const 0)))
    (local.set $h0 (i64.load offset=728 (i32.const 0)))
    (local.set $h1 (i64.load offset=736 (i32.const 0)))
    (local.set $h2 (i64.load offset=744 (i32.const 0)))
    (local.set $h3 (i64.load offset=752 (i32.const 0)))
    (local.set $h4 (i64.load offset=760 (i32.const 0)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $n) (i32.const 4))))
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $lo (i64.load (local.get $p)))
        (local.set $hi (i64.load offset=8 (local.get $p)))
        (local.set $h0 (i64.add (local.get $h0) (i64.and (local.get $lo) (i64.const 0x3ffffff))))
        (local.set $h1 (i64.add (local.get $h1)
          (i64.and (i64.shr_u (local.get $lo) (i64.const 26)) (i64.const 0x3ffffff))))
        (local.set $h2 (i64.add (local.get $h2) (i64.and
          (i64.or (i64.shr_u (local.get $lo) (i64.const 52)) (i64.shl (local.get $hi) (i64.const 12)))
          (i64.const 0x3ffffff))))
        (local.set $h3 (i64.add (local.get $h3)
          (i64.and (i64.shr_u (local.get $hi) (i64.const 14)) (i64.const 0x3ffffff))))
        (local.set $h4 (i64.add (local.get $h4)
          (i64.or (i64.shr_u (local.get $hi) (i64.const 40)) (local.get $top))))
        (local.set $d0 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r0)) (i64.mul (local.get $h1) (local.get $s4)))
          (i64.mul (local.get $h2) (local.get $s3))) (i64.mul (local.get $h3) (local.get $s2)))
          (i64.mul (local.get $h4) (local.get $s1))))
        (local.set $d1 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r1)) (i64.mul (local.get $h1) (local.get $r0)))
          (i64.mul (local.get $h2) (local.get $s4))) (i64.mul (local.get $h3) (local.get $s3)))
          (i64.mul (local.get $h4) (local.get $s2))))
        (local.set $d2 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r2)) (i64.mul (local.get $h1) (local.get $r1)))
          (i64.mul (local.get $h2) (local.get $r0))) (i64.mul (local.get $h3) (local.get $s4)))
          (i64.mul (local.get $h4) (local.get $s3))))
        (local.set $d3 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r3)) (i64.mul (local.get $h1) (local.get $r2)))
          (i64.mul (local.get $h2) (local.get $r1))) (i64.mul (local.get $h3) (local.get $r0)))
          (i64.mul (local.get $h4) (local.get $s4))))
        (local.set $d4 (i64.add (i64.add (i64.add (i64.add
          (i64.mul (local.get $h0) (local.get $r4)) (i64.mul (local.get $h1) (local.get $r3)))
          (i64.mul (local.get $h2) (local.get $r2))) (i64.mul (local.get $h3) (local.get $r1)))
          (i64.mul (local.get $h4) (local.get $r0))))
        (local.set $h0 (i64.and (local.get $d0) (i64.const 0x3ffffff)))
        (local.set $d1 (i64.add (local.get $d1) (i64.shr_u (local.get $d0) (i64.const 26))))
        (local.set $h1 (i64.and (local.get $d1) (i64.const 0x3ffffff)))
        (local.set $d2 (i64.add (local.get $d2) (i64.shr_u (local.get $d1) (i64.const 26))))
        (local.set $h2 (i64.and (local.get $d2) (i64.const 0x3ffffff)))
        (local.set $d3 (i64.add (local.get $d3) (i64.shr_u (local.get $d2) (i64.const 26))))
        (local.set $h3 (i64.and (local.get $d3) (i64.const 0x3ffffff)))
        (local.set $d4 (i64.add (local.get $d4) (i64.shr_u (local.get $d3) (i64.const 26))))
        (local.set $h4 (i64.and (local.get $d4) (i64.const 0x3ffffff)))
        (local.set $h0 (i64.add (local.get $h0)
          (i64.mul (i64.shr_u (local.get $d4) (i64.const 26)) (i64.const 5))))
        (local.set $h1 (i64.add (local.get $h1) (i64.shr_u (local.get $h0) (i64.const 26))))
        (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $block)))
    (i64.store offset=728 (i32.const 0) (local.get $h0))
    (i64.store offset=736 (i32.const 0) (local.get $h1))
    (i64.store offset=744 (i32.const 0) (local.get $h2))
    (i64.store offset=752 (i32.const 0) (local.get $h3))
    (i64.store offset=760 (i32.const 0) (local.get $h4))
  )

  ;; Absorb [p, p+n) into the MAC, holding a partial block in TAIL for the next call.
  (func $absorb (param $p i32) (param $n i32)
    (local $held i32) (local $k i32)
    (local.set $held (i32.load offset=644 (i32.const 0)))
    (if (local.get $held)
      (then
        ;; top TAIL up to 16 bytes
        (local.set $k (i32.sub (i32.const 16) (local.get $held)))
        (if (i32.lt_u (local.get $n) (local.get $k)) (then (local.set $k (local.get $n))))
        (memory.copy (i32.add (i32.const 784) (local.get $held)) (local.get $p) (local.get $k))
        (local.set $held (i32.add (local.get $held) (local.get $k)))
        (local.set $p (i32.add (local.get $p) (local.get $k)))
        (local.set $n (i32.sub (local.get $n) (local.get $k)))
        (if (i32.eq (local.get $held) (i32.const 16))
          (then
            (call $blocks (i32.const 784) (i32.const 1) (i64.const 0x1000000))
            (local.set $held (i32.const 0))))))
    (if (i32.ge_u (local.get $n) (i32.const 16))
      (then (call $blocks (local.get $p) (i32.shr_u (local.get $n) (i32.const 4)) (i64.const 0x1000000))))
    (local.set $k (i32.and (local.get $n) (i32.const 15)))
    (if (local.get $k)
      (then
        (memory.copy (i32.const 784) (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -16)))
          (local.get $k))
        (local.set $held (local.get $k))))
    (i32.store offset=644 (i32.const 0) (local.get $held)))

  ;; Encrypt [p, p+n) in place and absorb the ciphertext: each 512-byte window is absorbed while the
  ;; keystream of the next one is computed.
  (func (export "seal_update") (param $p i32) (param $n i32)
    (local $off i32) (local $k i32) (local $q i32) (local $direct i32)
    (local.set $off (i32.load offset=640 (i32.const 0)))
    (local.set $q (local.get $p)) ;; [q, p) is encrypted, not yet absorbed
    (block $done
      (loop $window
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.eq (local.get $off) (i32.const 512))
          (then
            (local.set $k (i32.sub (local.get $p) (local.get $q)))
            ;; a whole window left: encrypt it in $core8 itself
            (local.set $direct (select (local.get $p) (i32.const 0) (i32.ge_u (local.get $n) (i32.const 512))))
            (if (i32.or (i32.load offset=644 (i32.const 0)) (i32.and (local.get $k) (i32.const 15)))
              (then
                (call $absorb (local.get $q) (local.get $k))
                (call $refill (i32.const 0) (i32.const 0) (local.get $direct)))
              (else (call $refill (local.get $q) (i32.shr_u (local.get $k) (i32.const 4)) (local.get $direct))))
            (local.set $q (local.get $p))
            (if (local.get $direct)
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 512)))
                (local.set $n (i32.sub (local.get $n) (i32.const 512)))
                (br $window)))
            (local.set $off (i32.const 0))))
        (local.set $k (i32.sub (i32.const 512) (local.get $off)))
        (if (i32.lt_u (local.get $n) (local.get $k)) (then (local.set $k (local.get $n))))
        (call $xor (local.get $p) (local.get $k) (local.get $off))
        (local.set $p (i32.add (local.get $p) (local.get $k)))
        (local.set $off (i32.add (local.get $off) (local.get $k)))
        (local.set $n (i32.sub (local.get $n) (local.get $k)))
        (br $window)))
    (call $absorb (local.get $q) (i32.sub (local.get $p) (local.get $q)))
    (i32.store offset=640 (i32.const 0) (local.get $off)))

  ;; Absorb the ciphertext [p, p+n) and decrypt it in place; each 512-byte window is absorbed while its
  ;; keystream is computed.
  (func (export "open_update") (param $p i32) (param $n i32)
    (local $off i32) (local $k i32) (local $q i32) (local $direct i32)
    (local.set $off (i32.load offset=640 (i32.const 0)))
    (local.set $q (local.get $p)) ;; [.., q) is absorbed
    (block $done
      (loop $window
        (br_if $done (i32.eqz (local.get $n)))
        (if (i32.eq (local.get $off) (i32.const 512))
          (then
            (local.set $k (select (local.get $n) (i32.const 512) (i32.lt_u (local.get $n) (i32.const 512))))
            ;; a whole window left: decrypt it in $core8 itself (which absorbs it first)
            (local.set $direct (select (local.get $p) (i32.const 0) (i32.ge_u (local.get $n) (i32.const 512))))
            (if (i32.load offset=644 (i32.const 0))
              (then
                (call $absorb (local.get $p) (local.get $k))
                (local.set $q (i32.add (local.get $p) (local.get $k)))
                (call $refill (i32.const 0) (i32.const 0) (local.get $direct)))
              (else
                (call $refill (local.get $p) (i32.shr_u (local.get $k) (i32.const 4)) (local.get $direct))
                (local.set $q (i32.add (local.get $p) (i32.and (local.get $k) (i32.const -16))))))
            (if (local.get $direct)
              (then
                (local.set $p (i32.add (local.get $p) (i32.const 512)))
                (local.set $n (i32.sub (local.get $n) (i32.const 512)))
                (br $window)))
            (local.set $off (i32.const 0))))
        (local.set $k (i32.sub (i32.const 512) (local.get $off)))
        (if (i32.lt_u (local.get $n) (local.get $k)) (then (local.set $k (local.get $n))))
        (if (i32.lt_u (local.get $q) (i32.add (local.get $p) (local.get $k)))
          (then
            (call $absorb (local.get $q) (i32.sub (i32.add (local.get $p) (local.get $k)) (local.get $q)))
            (local.set $q (i32.add (local.get $p) (local.get $k)))))
        (call $xor (local.get $p) (local.get $k) (local.get $off))
        (local.set $p (i32.add (local.get $p) (local.get $k)))
        (local.set $off (i32.add (local.get $off) (local.get $k)))
        (local.set $n (i32.sub (local.get $n) (local.get $k)))
        (br $window)))
    (i32.store offset=640 (i32.const 0) (local.get $off)))

  ;; The MAC of everything absorbed, at t: pad the held bytes, reduce fully mod 2^130 - 5, add s.
  (func $mac (param $t i32)
    (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64)
    (local $h4 i64)
    (local $g0 i64) (local $g1 i64) (local $g2 i64) (local $g3 i64)
    (local $g4 i64)
    (local $c i64) (local $held i32) (local $lo i64) (local $hi i64)
    (local $s i64)
    (local.set $held (i32.load offset=644 (i32.const 0)))
    (if (local.get $held)
      (then
        (i32.store8 offset=784 (local.get $held) (i32.const 1))
        (memory.fill (i32.add (i32.const 785) (local.get $held)) (i32.const 0)
          (i32.sub (i32.const 15) (local.get $held)))
        (call $blocks (i32.const 784) (i32.const 1) (i64.const 0))
        (i32.store offset=644 (i32.const 0) (i32.const 0))))
    (local.set $h0 (i64.load offset=728 (i32.const 0)))
    (local.set $h1 (i64.load offset=736 (i32.const 0)))
    (local.set $h2 (i64.load offset=744 (i32.const 0)))
    (local.set $h3 (i64.load offset=752 (i32.const 0)))
    (local.set $h4 (i64.load offset=760 (i32.const 0)))
    ;; full carry
    (local.set $h2 (i64.add (local.get $h2) (i64.shr_u (local.get $h1) (i64.const 26))))
    (local.set $h1 (i64.and (local.get $h1) (i64.const 0x3ffffff)))
    (local.set $h3 (i64.add (local.get $h3) (i64.shr_u (local.get $h2) (i64.const 26))))
    (local.set $h2 (i64.and (local.get $h2) (i64.const 0x3ffffff)))
    (local.set $h4 (i64.add (local.get $h4) (i64.shr_u (local.get $h3) (i64.const 26))))
    (local.set $h3 (i64.and (local.get $h3) (i64.const 0x3ffffff)))
    (local.set $h0 (i64.add (local.get $h0) (i64.mul (i64.shr_u (local.get $h4) (i64.const 26)) (i64.const 5))))
    (local.set $h4 (i64.and (local.get $h4) (i64.const 0x3ffffff)))
    (local.set $h1 (i64.add (local.get $h1) (i64.shr_u (local.get $h0) (i64.const 26))))
    (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
    ;; g = h + 5 - 2^130; if it does not go negative, h >= p and the result is g
    (local.set $g0 (i64.add (local.get $h0) (i64.const 5)))
    (local.set $g1 (i64.add (local.get $h1) (i64.shr_u (local.get $g0) (i64.const 26))))
    (local.set $g0 (i64.and (local.get $g0) (i64.const 0x3ffffff)))
    (local.set $g2 (i64.add (local.get $h2) (i64.shr_u (local.get $g1) (i64.const 26))))
    (local.set $g1 (i64.and (local.get $g1) (i64.const 0x3ffffff)))
    (local.set $g3 (i64.add (local.get $h3) (i64.shr_u (local.get $g2) (i64.const 26))))
    (local.set $g2 (i64.and (local.get $g2) (i64.const 0x3ffffff)))
    (local.set $g4 (i64.sub (i64.add (local.get $h4) (i64.shr_u (local.get $g3) (i64.const 26)))
      (i64.const 0x4000000)))
    (local.set $g3 (i64.and (local.get $g3) (i64.const 0x3ffffff)))
    ;; constant time: c = all ones when g4 >= 0 (take g), else 0 (keep h)
    (local.set $c (i64.sub (i64.shr_u (local.get $g4) (i64.const 63)) (i64.const 1)))
    (local.set $h0 (i64.or (i64.and (local.get $g0) (local.get $c))
      (i64.and (local.get $h0) (i64.xor (local.get $c) (i64.const -1)))))
    (local.set $h1 (i64.or (i64.and (local.get $g1) (local.get $c))
      (i64.and (local.get $h1) (i64.xor (local.get $c) (i64.const -1)))))
    (local.set $h2 (i64.or (i64.and (local.get $g2) (local.get $c))
      (i64.and (local.get $h2) (i64.xor (local.get $c) (i64.const -1)))))
    (local.set $h3 (i64.or (i64.and (local.get $g3) (local.get $c))
      (i64.and (local.get $h3) (i64.xor (local.get $c) (i64.const -1)))))
    (local.set $h4 (i64.or (i64.and (i64.and (local.get $g4) (i64.const 0x3ffffff)) (local.get $c))
      (i64.and (local.get $h4) (i64.xor (local.get $c) (i64.const -1)))))
    ;; h < 2^130 now; carry once more so that every limb is under 2^26 (h1 may have reached it above)
    (local.set $h1 (i64.add (local.get $h1) (i64.shr_u (local.get $h0) (i64.const 26))))
    (local.set $h0 (i64.and (local.get $h0) (i64.const 0x3ffffff)))
    (local.set $h2 (i64.add (local.get $h2) (i64.shr_u (local.get $h1) (i64.const 26))))
    (local.set $h1 (i64.and (local.get $h1) (i64.const 0x3ffffff)))
    (local.set $h3 (i64.add (local.get $h3) (i64.shr_u (local.get $h2) (i64.const 26))))
    (local.set $h2 (i64.and (local.get $h2) (i64.const 0x3ffffff)))
    (local.set $h4 (i64.add (local.get $h4) (i64.shr_u (local.get $h3) (i64.const 26))))
    (local.set $h3 (i64.and (local.get $h3) (i64.const 0x3ffffff)))
    ;; h mod 2^128 + s mod 2^128
    (local.set $lo (i64.or (i64.or (local.get $h0) (i64.shl (local.get $h1) (i64.const 26)))
      (i64.shl (local.get $h2) (i64.const 52))))
    (local.set $hi (i64.or (i64.or (i64.shr_u (local.get $h2) (i64.const 12)) (i64.shl (local.get $h3) (i64.const 14)))
      (i64.shl (local.get $h4) (i64.const 40))))
    (local.set $s (i64.load offset=768 (i32.const 0)))
    (local.set $lo (i64.add (local.get $lo) (local.get $s)))
    (local.set $hi (i64.add (i64.add (local.get $hi) (i64.load offset=776 (i32.const 0)))
      (i64.extend_i32_u (i64.lt_u (local.get $lo) (local.get $s)))))
    (i64.store (local.get $t) (local.get $lo))
    (i64.store offset=8 (local.get $t) (local.get $hi)))

  (func (export "seal_final") (param $t i32)
    (call $mac (local.get $t)))

  ;; 0 if the 16 bytes at t are the MAC, -1 if not (compared in constant time).
  (func (export "open_final") (param $t i32) (result i32)
    (call $mac (i32.const 800))
    (i32.sub (i32.const 0) (i32.eqz (i64.eqz (i64.or
      (i64.xor (i64.load offset=800 (i32.const 0)) (i64.load (local.get $t)))
      (i64.xor (i64.load offset=808 (i32.const 0)) (i64.load offset=8 (local.get $t))))))))
)
