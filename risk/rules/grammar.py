"""The rule language grammar (lark, LALR). A whitelist: anything not described here is a syntax error.

Kept as a Python string, not a data file, so the installed package needs no package data and the
core reads no files.
"""

GRAMMAR = r"""

start: expr

?expr: or_expr

?or_expr: and_expr
        | or_expr "or" and_expr                  -> or_op

?and_expr: not_expr
         | and_expr "and" not_expr               -> and_op

?not_expr: "not" not_expr                        -> not_op
         | comparison

?comparison: sum
           | sum COMP_OP sum                     -> compare
           | sum "in" in_rhs                     -> in_op
           | sum "not" "in" in_rhs               -> not_in_op
           | sum "between" sum "and" sum         -> between
           | sum "not" "between" sum "and" sum   -> not_between

?in_rhs: "(" [literal ("," literal)* ","?] ")"  -> tuple_lit
       | PARAM                                   -> param

?literal: NUMBER                                 -> number
        | MINUS NUMBER                           -> neg_number
        | STRING                                 -> string

?sum: product
    | sum ADD_OP product                         -> binop
    | sum MINUS product                          -> binop

?product: unary
        | product MUL_OP unary                   -> binop

?unary: MINUS unary                              -> neg
      | power

?power: atom
      | atom POW_OP unary                        -> binop

?atom: NUMBER                                    -> number
     | STRING                                    -> string
     | "true"                                    -> true
     | "false"                                   -> false
     | PARAM                                     -> param
     | dotted
     | dotted "(" [expr ("," expr)*] ")"         -> call
     | "(" expr ")"

dotted: NAME ("." NAME)*

COMP_OP: "==" | "!=" | "<=" | ">=" | "<" | ">"
ADD_OP: "+"
MINUS: "-"
MUL_OP: "*" | "/" | "%"
POW_OP: "**"
PARAM: /\$[A-Za-z_][A-Za-z0-9_]*/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /\d[\d_]*(\.\d+)?([eE][+-]?\d+)?/
STRING: /'[^'\\\n]*'/ | /"[^"\\\n]*"/

%import common.WS
%ignore WS
"""
