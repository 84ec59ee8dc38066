package sqlfront

// Time functions. See functions.go for how a family registers its functions.
var timeFunctions = map[string]scalarFunction{}
