package sqlfront

// String functions. See functions.go for how a family registers its functions.
var stringFunctions = map[string]scalarFunction{}
