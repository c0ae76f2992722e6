        li r1, 1
        addi r2, r1
