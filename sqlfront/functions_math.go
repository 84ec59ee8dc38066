package sqlfront

// Math functions. See functions.go for how a family registers its functions.
var mathFunctions = map[string]scalarFunction{}
