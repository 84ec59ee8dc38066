// Package differential compares vcube with MariaDB on generated queries: a fixed schema (a fact table, two
// dimension tables) filled with deterministic data is loaded into vcube in-process and into MariaDB, a seeded
// generator writes SELECTs of the SQL vcube supports (filters, expressions, GROUP BY, HAVING, joins, ORDER BY
// with LIMIT only when the order is total), and each query's answers are compared, normalising only what
// testsuite/mariadb-differences.md documents: row order without ORDER BY, floats to 1e-9 relative, booleans as
// 1/0, and TIMESTAMP text. A disagreement is shrunk (predicates, select items, joins, group keys, expressions,
// then the rows of the data) and saved as a sqllogictest file under testsuite/sql/regressions.
//
// TestDifferential runs a pass when VCUBE_MARIADB_DSN names a scratch MariaDB (mysql://user:pass@host:port/);
// `make differential` starts one when none is given. See docs/conformance.md, "Differential testing".
package differential
