# Route register values (docs/router.md): rx ports in bits 4:0, tx ports in bits 9:5, with
# ports North 1, East 2, South 4, West 8, Local 16.
        .equ    WEST_TO_CORE, 8 | (16 << 5)
        .equ    CORE_TO_EAST, 16 | (2 << 5)
