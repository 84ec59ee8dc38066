// Package sqlerr builds the MySQL-style errors every layer of vcube returns: an error number, the SQLSTATE a
// client expects for it, and a message a person can act on. The error type is vitess's sqlerror.SQLError, the
// one the MySQL wire protocol sends as is, so no layer translates errors on the way out.
package sqlerr

import (
	"context"
	"errors"
	"fmt"

	"vitess.io/vitess/go/mysql/sqlerror"
)

// Error numbers vcube returns, named as MySQL names them.
const (
	DBCreateExists        = sqlerror.ERDbCreateExists              // 1007
	DBDropExists          = sqlerror.ERDbDropExists                // 1008
	NoDB                  = sqlerror.ERNoDb                        // 1046
	BadNull               = sqlerror.ERBadNullError                // 1048
	BadDB                 = sqlerror.ERBadDb                       // 1049
	TableExists           = sqlerror.ERTableExists                 // 1050
	BadField              = sqlerror.ERBadFieldError               // 1054
	NonUniq               = sqlerror.ERNonUniq                     // 1052
	NonUniqTable          = sqlerror.ErrorCode(1066)               // ER_NONUNIQ_TABLE
	OutOfMemory           = sqlerror.ErrorCode(1037)               // ER_OUTOFMEMORY
	DerivedNeedsAlias     = sqlerror.ErrorCode(1248)               // ER_DERIVED_MUST_HAVE_ALIAS
	ViewWrongList         = sqlerror.ErrorCode(1353)               // ER_VIEW_WRONG_LIST
	UnionColumns          = sqlerror.ErrorCode(1222)               // ER_WRONG_NUMBER_OF_COLUMNS_IN_SELECT
	WrongFieldGroup       = sqlerror.ERWrongFieldWithGroup         // 1055
	WrongGroupField       = sqlerror.ERWrongGroupField             // 1056
	DupFieldName          = sqlerror.ERDupFieldName                // 1060
	Parse                 = sqlerror.ERParseError                  // 1064
	Unknown               = sqlerror.ERUnknownError                // 1105
	InvalidGroupFunc      = sqlerror.ERInvalidGroupFuncUse         // 1111
	WrongValueCount       = sqlerror.ERWrongValueCountOnRow        // 1136
	NoSuchTable           = sqlerror.ERNoSuchTable                 // 1146
	NotSupportedYet       = sqlerror.ERNotSupportedYet             // 1235
	OutOfRange            = sqlerror.ERWarnDataOutOfRange          // 1264
	TruncatedValue        = sqlerror.ERTruncatedWrongValue         // 1292
	NoSuchFunction        = sqlerror.ERSPDoesNotExist              // 1305
	QueryInterrupted      = sqlerror.ERQueryInterrupted            // 1317
	WrongValueForField    = sqlerror.ERTruncatedWrongValueForField // 1366
	TooBigPrecision       = sqlerror.ErrorCode(1426)               // ER_TOO_BIG_PRECISION
	WrongParamCount       = sqlerror.ErrorCode(1582)               // ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT
	WrongArguments        = sqlerror.ErrorCode(1210)               // ER_WRONG_ARGUMENTS
	DataOutOfRange        = sqlerror.ERDataOutOfRange              // 1690
	TooBigScale           = sqlerror.ErrorCode(1425)               // ER_TOO_BIG_SCALE
	MScaleBigger          = sqlerror.ErrorCode(1427)               // ER_M_BIGGER_THAN_D
	QueryTimeout          = sqlerror.ErrorCode(3024)               // ER_QUERY_TIMEOUT
	WrongDBName           = sqlerror.ErrorCode(1102)               // ER_WRONG_DB_NAME
	WrongTableName        = sqlerror.ErrorCode(1103)               // ER_WRONG_TABLE_NAME
	WrongColumnName       = sqlerror.ErrorCode(1166)               // ER_WRONG_COLUMN_NAME
	TableMustHaveCols     = sqlerror.ErrorCode(1113)               // ER_TABLE_MUST_HAVE_COLUMNS
	TooLongIdent          = sqlerror.ErrorCode(1059)               // ER_TOO_LONG_IDENT
	DataTooLong           = sqlerror.ErrorCode(1406)               // ER_DATA_TOO_LONG
	OperandColumns        = sqlerror.ErrorCode(1241)               // ER_OPERAND_COLUMNS
	IllegalReference      = sqlerror.ErrorCode(1247)               // ER_ILLEGAL_REFERENCE
	SubqueryNo1Row        = sqlerror.ErrorCode(1242)               // ER_SUBQUERY_NO_1_ROW
	EmptyQuery            = sqlerror.ErrorCode(1065)               // ER_EMPTY_QUERY
	UnknownStmtHandler    = sqlerror.ErrorCode(1243)               // ER_UNKNOWN_STMT_HANDLER
	WrongUsage            = sqlerror.ErrorCode(1221)               // ER_WRONG_USAGE
	UnknownTable          = sqlerror.ErrorCode(1051)               // ER_BAD_TABLE_ERROR
	NoTablesUsed          = sqlerror.ErrorCode(1096)               // ER_NO_TABLES_USED
	UDFExists             = sqlerror.ERUDFExists                   // 1125
	CantOpenLibrary       = sqlerror.ErrorCode(1126)               // ER_CANT_OPEN_LIBRARY
	UnknownSystemVariable = sqlerror.ErrorCode(1193)               // ER_UNKNOWN_SYSTEM_VARIABLE
)

// sqlState gives the SQLSTATE MySQL sends with each error number; numbers not listed send HY000.
var sqlState = map[sqlerror.ErrorCode]string{
	DBCreateExists:        "HY000",
	DBDropExists:          "HY000",
	NoDB:                  "3D000",
	BadNull:               "23000",
	BadDB:                 "42000",
	TableExists:           "42S01",
	BadField:              "42S22",
	NonUniq:               "23000",
	NonUniqTable:          "42000",
	OutOfMemory:           "HY001",
	DerivedNeedsAlias:     "42000",
	UnionColumns:          "21000",
	WrongFieldGroup:       "42000",
	WrongGroupField:       "42000",
	DupFieldName:          "42S21",
	Parse:                 "42000",
	InvalidGroupFunc:      "HY000",
	WrongValueCount:       "21S01",
	NoSuchTable:           "42S02",
	NotSupportedYet:       "42000",
	OutOfRange:            "22003",
	TruncatedValue:        "22007",
	NoSuchFunction:        "42000",
	QueryInterrupted:      "70100",
	WrongValueForField:    "22007",
	TooBigPrecision:       "42000",
	WrongParamCount:       "42000",
	DataOutOfRange:        "22003",
	TooBigScale:           "42000",
	MScaleBigger:          "42000",
	WrongDBName:           "42000",
	WrongTableName:        "42000",
	WrongColumnName:       "42000",
	TableMustHaveCols:     "42000",
	TooLongIdent:          "42000",
	DataTooLong:           "22001",
	OperandColumns:        "21000",
	IllegalReference:      "42S22",
	SubqueryNo1Row:        "21000",
	EmptyQuery:            "42000",
	WrongUsage:            "HY000",
	UnknownTable:          "42S02",
	NoTablesUsed:          "HY000",
	UnknownSystemVariable: "HY000",
}

// State returns the SQLSTATE for an error number.
func State(code sqlerror.ErrorCode) string {
	if s, ok := sqlState[code]; ok {
		return s
	}
	return sqlerror.SSUnknownSQLState
}

// New returns an error with the given number, its SQLSTATE and a formatted message.
func New(code sqlerror.ErrorCode, format string, args ...any) *sqlerror.SQLError {
	return sqlerror.NewSQLError(code, State(code), fmt.Sprintf(format, args...))
}

// From returns err as a MySQL error: itself when it already is one (anywhere in its chain), a cancelled or
// timed-out context as MySQL reports an interrupted statement, otherwise error 1105 carrying its text, which is
// what MySQL reports for failures it has no number for.
func From(err error) *sqlerror.SQLError {
	if err == nil {
		return nil
	}
	var se *sqlerror.SQLError
	if errors.As(err, &se) {
		return se
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return Interrupted(err)
	}
	return sqlerror.NewSQLError(Unknown, State(Unknown), err.Error())
}

// Interrupted reports a statement stopped by its context as MySQL does: 3024 when its time ran out, 1317 when
// it was cancelled (its client left, or the server is stopping).
func Interrupted(err error) *sqlerror.SQLError {
	if errors.Is(err, context.DeadlineExceeded) {
		return New(QueryTimeout, "Query execution was interrupted, maximum statement execution time exceeded")
	}
	return New(QueryInterrupted, "Query execution was interrupted")
}

// IsClientError reports whether an error is the client's doing (a bad statement, a missing name, a bad value),
// as opposed to a failure of the server. HTTP answers 400 for the first and 500 for the second.
func IsClientError(err error) bool {
	se := From(err)
	switch se.Num {
	case Unknown, OutOfMemory:
		return false
	}
	return true
}
