// Package mlog is the small part of monis.app/mlog's API that the Azure Workload Identity
// pod mutator calls (New, WithName, WithValues, Error, Info, Enabled and the levels),
// writing plain lines to stderr.
package mlog

import (
	"fmt"
	"os"
	"strings"
)

// LogLevel names a verbosity, as in monis.app/mlog.
type LogLevel string

const (
	LevelWarning LogLevel = "warning"
	LevelInfo    LogLevel = "info"
	LevelDebug   LogLevel = "debug"
	LevelTrace   LogLevel = "trace"
	LevelAll     LogLevel = "all"
)

// Enabled reports whether lines of this level are written: warnings and info only.
func Enabled(level LogLevel) bool {
	return level == LevelWarning || level == LevelInfo
}

// Logger carries a name and key/value pairs onto every line it writes.
type Logger struct {
	names  []string
	values []any
}

// New returns a logger without name or values.
func New() Logger { return Logger{} }

// WithName returns a logger whose lines carry one more name segment.
func (l Logger) WithName(name string) Logger {
	return Logger{names: append(append([]string{}, l.names...), name), values: l.values}
}

// WithValues returns a logger whose lines carry more key/value pairs.
func (l Logger) WithValues(keysAndValues ...any) Logger {
	return Logger{names: l.names, values: append(append([]any{}, l.values...), keysAndValues...)}
}

// Info writes one line.
func (l Logger) Info(msg string, keysAndValues ...any) { l.write("info", msg, nil, keysAndValues) }

// Error writes one line with the error.
func (l Logger) Error(msg string, err error, keysAndValues ...any) {
	l.write("error", msg, err, keysAndValues)
}

func (l Logger) write(level, msg string, err error, keysAndValues []any) {
	line := fmt.Sprintf("%s %s: %s", level, strings.Join(l.names, "."), msg)
	if err != nil {
		line += fmt.Sprintf(" error=%q", err.Error())
	}
	for _, kv := range [][]any{l.values, keysAndValues} {
		for i := 0; i+1 < len(kv); i += 2 {
			line += fmt.Sprintf(" %v=%v", kv[i], kv[i+1])
		}
	}
	fmt.Fprintln(os.Stderr, line)
}
