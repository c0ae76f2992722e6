.rept 65535, i
.rept 65535, j
.endr
.endr
