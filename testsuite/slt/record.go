package slt

import "slices"

import "strconv"

// Kind says what a record does.
type Kind uint8

const (
	Statement Kind = iota + 1 // statement ok | statement error
	Query                     // query <types> | query error
	Halt                      // halt: stop running the file
)

func (k Kind) String() string {
	switch k {
	case Statement:
		return "statement"
	case Query:
		return "query"
	case Halt:
		return "halt"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// SortMode says how a query's results are ordered before they are compared.
type SortMode uint8

const (
	NoSort    SortMode = iota // rows compare in the order returned
	RowSort                   // rows sorted as text
	ValueSort                 // all values sorted as text, one per line
)

func (m SortMode) String() string {
	switch m {
	case NoSort:
		return "nosort"
	case RowSort:
		return "rowsort"
	case ValueSort:
		return "valuesort"
	}
	return "sortmode(" + strconv.Itoa(int(m)) + ")"
}

// Condition is a skipif or onlyif line in front of a record.
type Condition struct {
	Only   bool   // onlyif: run only on Target; otherwise skipif: skip on Target
	Target string // compared with Target.Name()
}

// Record is one parsed record of a file.
type Record struct {
	File       string
	Line       int // line of the statement, query or halt header; failures point here
	Kind       Kind
	Conditions []Condition
	SQL        string // the statement or query text, lines joined with "\n"

	// ExpectError is set by "statement error" and "query error": the SQL must fail, and when ErrorPattern is
	// not empty the error must match it: an error number, a regular expression over the message, or a number
	// then a space and a regular expression (both must match).
	ExpectError  bool
	ErrorPattern string

	// Query results: one type letter per column, the sort mode, an optional label, and either the expected rows
	// or, for "N values hashing to <md5>", the value count and the lower-case hex MD5.
	Types     string
	Sort      SortMode
	Label     string
	Rows      [][]string
	HashCount int
	Hash      string
}

// RunsOn reports whether the record's skipif and onlyif conditions let it run on a target that answers to the
// names given (its name and its traits, see TargetNames).
func (r *Record) RunsOn(names ...string) bool {
	for _, c := range r.Conditions {
		if c.Only != slices.Contains(names, c.Target) {
			return false
		}
	}
	return true
}
