# A tile that only passes wavelets on: its routes are the plan's (set up before main).
main:   halt
