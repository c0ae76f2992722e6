.equ a, 0x7fffffffffffffff + 1
