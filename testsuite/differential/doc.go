// Package differential compares vcube with MariaDB on generated queries: a fixed schema (a fact table, two
// dimension tables) filled with deterministic data is loaded into vcube in-process and into MariaDB, a seeded
// generator writes SELECTs of the SQL vcube supports (filters, expressions, GROUP BY, HAVING, joins, ORDER BY
// with LIMIT only when the order is total; derived tables in FROM, grouped or not, with a dimension joined to
// them; UNION and UNION ALL of two or three selects, with an ORDER BY and LIMIT of the whole sometimes; scalar,
// IN, NOT IN and EXISTS subqueries; CAST to SIGNED, DECIMAL(p,s), DOUBLE, CHAR and DATETIME; CONVERT_TZ), and
// each query's answers are compared, normalising only what testsuite/mariadb-differences.md documents: row order
// without ORDER BY (a UNION's included), floats to 1e-9 relative, booleans as 1/0, and TIMESTAMP text. A
// disagreement is shrunk (selects of a UNION, predicates, select items, joins, group keys, expressions, the
// derived table's query, then the rows of the data) and saved as a sqllogictest file under
// testsuite/sql/regressions.
//
// CONVERT_TZ converts between offsets ('+00:00', '+05:30', '-08:00') and zone names ('UTC', 'Europe/Paris',
// 'America/New_York', 'Asia/Kolkata'). Names need MariaDB's time zone tables, which .ci/mariadb loads; against a
// MariaDB without them (CONVERT_TZ('2024-01-01 00:00:00', 'UTC', 'Europe/Paris') is NULL there) Run writes
// offsets only, and says so.
//
// TestDifferential runs a pass when VCUBE_MARIADB_DSN names a scratch MariaDB (mysql://user:pass@host:port/);
// `make differential` starts one when none is given. See docs/conformance.md, "Differential testing".
package differential
