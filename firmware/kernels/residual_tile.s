# A tile of the residual plan (y = x + r, docs/mapping.md): one tensor add over the tile's
# piece, in place over x. Routes are the plan's (set up before main).
#
# Parameters:
#   N                 elements of the tile's piece
#   XADDR, RADDR      x's and r's pieces (y overwrites x)
#   STAMPS            one cycle stamp
#   STREAM_R          1: r's piece arrives on COLOR_R first (a chained input: the skip
#                     connection, there long before x, so it is taken first and never holds
#                     up the stream it was forked from)
#   STREAM_X          1: x's piece arrives on COLOR_X next
#   STREAM_Y          1: y's piece leaves on COLOR_Y at the end
#   STREAM_Y2         1: and again on COLOR_Y2 (a copy for a later skip connection)
main:   li      r3, 1
        li      r4, N
        .if     STREAM_R
        dfab    d3, COLOR_R, r4, in, f32
        li      r5, RADDR
        dmem    d2, r5, r4, r3, f32
        tfmov   d2, d3
        .endif
        .if     STREAM_X
        dfab    d3, COLOR_X, r4, in, f32
        li      r5, XADDR
        dmem    d1, r5, r4, r3, f32
        tfmov   d1, d3
        .endif
        li      r5, XADDR
        dmem    d1, r5, r4, r3, f32
        li      r5, RADDR
        dmem    d2, r5, r4, r3, f32
        tfadd   d1, d1, d2
        .if     STREAM_Y
        dfab    d4, COLOR_Y, r4, out, f32
        tfmov   d4, d1
        .endif
        .if     STREAM_Y2
        dfab    d4, COLOR_Y2, r4, out, f32
        tfmov   d4, d1
        .endif
        csrr    r10, cycle
        sw      r10, STAMPS(r0)
        halt
