package plugins

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is the error of a plugin: refused at load, or failed in a call. The engine reports it to the client as
// MySQL error 1105 (ER_UNKNOWN_ERROR) with Error() as its message.
type Error struct {
	Plugin   string // the plugin's name as installed
	Function string // the function called; empty for an error of the plugin as a whole (loading it)
	// Row is the row of the call's batch the error is about, counted from 0 in the arrays the call got (the
	// arguments of a cast or update, the states of a merge, the groups from `first` of states and finalize);
	// -1 when the plugin did not name one.
	Row     int
	Message string
	// Trap reports that the plugin's instance was discarded: it trapped (out-of-bounds access, unreachable,
	// division by zero), panicked, ran out of memory, was stopped by the caller's context, or broke the ABI.
	// A call that merely refuses its input (Trap false) leaves the instance in service.
	Trap bool
	// Err is the cause when there is one: context.DeadlineExceeded or context.Canceled when the caller's
	// context stopped the call.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("plugin ")
	b.WriteString(strconv.Quote(e.Plugin))
	if e.Function != "" {
		b.WriteString(", function ")
		b.WriteString(strconv.Quote(e.Function))
	}
	if e.Row >= 0 {
		b.WriteString(", row ")
		b.WriteString(strconv.Itoa(e.Row))
	}
	b.WriteString(": ")
	b.WriteString(e.Message)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// loadError is an error refusing a module at load.
func loadError(plugin, format string, args ...any) *Error {
	return &Error{Plugin: plugin, Row: -1, Message: fmt.Sprintf(format, args...)}
}
