// Package slt reads and runs sqllogictest files, the record format SQLite, DuckDB and DataFusion share, so that every
// SQL feature of vcube lands with records any target can replay: the engine in-process, a server over HTTP or the
// MySQL wire protocol, or MariaDB for differential runs. The runner reaches a database only through Target; it must
// not import other vcube packages, so that the engine and the network targets are wired in by their own packages.
//
// # Format
//
// Records are separated by blank lines; lines starting with # between records are comments.
//
//	statement ok                  the SQL (one or more lines, up to a blank line) must succeed
//	statement error [pattern]     the SQL must fail
//	query <types> [sort] [label]  the SQL, then a line "----", then the expected rows
//	query error [pattern]         the query must fail
//	skipif <target>               before a record: skip it when the target answers to <target>
//	onlyif <target>               before a record: run it only when the target answers to <target>
//	halt                          stop the file here (with skipif/onlyif: only on some targets)
//	hash-threshold <n>            accepted and ignored
//
// A target answers to its Name ("vcube", "mysql") and its Traits ("fresh": each file runs on a new server, so the
// catalog IDs EXPLAIN prints are the same on every run).
//
// An error pattern made only of digits must equal the MySQL error number (statement error 1146); a number, a space
// and a regular expression must match both; any other pattern is a regular expression searched for in the error
// message. Without a pattern any error passes.
//
// Query types give one letter per column: I integer, R float, T text; any letter is accepted and only R changes how
// values compare. The sort mode is nosort (the default), rowsort (rows sorted as text) or valuesort (all values
// sorted as text, one per line); both the expected and the returned results are sorted before they are compared.
//
// An expected row is split on TABs when the line has one; otherwise, when the query has more than one column, on
// single spaces; a one-column row is the whole line. Text values containing spaces therefore need TAB separators.
// When a query has several columns and every expected line holds one value, the lines are read one value per line,
// row after row, as SQLite writes them. NULL is written NULL and the empty string (empty); an empty TAB-separated
// field also means the empty string, and a target returning "" is shown as (empty).
//
// Values compare as text, except in R columns (or under valuesort when every column is R), where two values that
// both parse as floats are equal when |a-b| <= 1e-9*max(|a|,|b|).
//
// Large results may be given as "N values hashing to <md5>": the MD5 of the sorted values each followed by "\n",
// as SQLite and DuckDB compute it. Hashes compare text exactly, float columns included. Queries sharing a label
// must return the same values.
package slt
