package slt

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"vitess.io/vitess/go/mysql/sqlerror"
)

// numbered is vitess's *sqlerror.SQLError, the error vcube and the vitess MySQL client return.
type numbered interface{ Number() sqlerror.ErrorCode }

// sqlErrorNumbered lets a target's own error type (an HTTP error body, another driver's error) carry a number.
type sqlErrorNumbered interface{ SQLErrorNumber() int }

// errorNumber finds the MySQL error number anywhere in err's chain.
func errorNumber(err error) (int, bool) {
	var n numbered
	if errors.As(err, &n) {
		return int(n.Number()), true
	}
	var s sqlErrorNumbered
	if errors.As(err, &s) {
		return s.SQLErrorNumber(), true
	}
	return 0, false
}

// errorMessage is the text patterns match: a SQLError's own message, without the "(errno ...) (sqlstate ...)"
// its Error adds, so that anchored patterns work on every target.
func errorMessage(err error) string {
	var se *sqlerror.SQLError
	if errors.As(err, &se) {
		return se.Message
	}
	return err.Error()
}

// splitErrorPattern separates an error pattern into an error number and a message regular expression, either
// of which may be empty: "1064", "^Unknown column", or "1048 cannot be null" (both must match).
func splitErrorPattern(pattern string) (number, re string) {
	head, rest, _ := strings.Cut(pattern, " ")
	if isErrorNumber(head) {
		return head, strings.TrimSpace(rest)
	}
	return "", pattern
}

// matchError returns why err does not satisfy pattern, or "" when it does.
func matchError(pattern string, err error) string {
	number, pat := splitErrorPattern(pattern)
	if number != "" {
		want, convErr := strconv.Atoi(number)
		if convErr != nil {
			return fmt.Sprintf("bad error number %s: %v", number, convErr)
		}
		got, ok := errorNumber(err)
		switch {
		case !ok:
			return fmt.Sprintf("expected error %d, got an error without a number: %v", want, err)
		case got != want:
			return fmt.Sprintf("expected error %d, got error %d: %s", want, got, errorMessage(err))
		}
	}
	if pat == "" {
		return ""
	}
	re, reErr := regexp.Compile(pat)
	if reErr != nil {
		return fmt.Sprintf("bad error pattern %q: %v", pat, reErr)
	}
	if msg := errorMessage(err); !re.MatchString(msg) {
		return fmt.Sprintf("error %q does not match /%s/", msg, pat)
	}
	return ""
}

func describePattern(pattern string) string {
	number, pat := splitErrorPattern(pattern)
	switch {
	case pattern == "":
		return "an error"
	case pat == "":
		return "error " + number
	case number == "":
		return "an error matching /" + pat + "/"
	}
	return "error " + number + " matching /" + pat + "/"
}
