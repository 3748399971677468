// Command rla is the command-line face of rlakit: ballot selection, risk
// measurement, election data and whole risk-limiting audits.
//
// Every subcommand is a thin layer over the library packages: it parses
// flags, calls the library and writes the result. Exit status is 0 on
// success, 1 when the work failed (bad input, I/O error), 2 for a usage
// error (unknown subcommand or flag, missing argument), and 3 where a
// subcommand documents it (inconsistencies found by reconciliation).
//
// Run "rla help" for the list of subcommands and "rla CMD --help" for one.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// env is what a subcommand may touch: its arguments and standard streams.
// Tests drive the tool through run with buffers in place of the real ones.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// isTerminal reports whether stderr is an interactive terminal, so long
	// work may show progress there and nowhere else.
	isTerminal bool
}

// command is one subcommand of rla.
type command struct {
	name    string
	summary string // one line for "rla help"
	run     func(e *env, args []string) error
}

// commands holds every subcommand, registered from the init function of the
// file that implements it, so that each subcommand lives in its own file.
var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("rla: subcommand registered twice: " + c.name) // programming error, caught by any test
	}
	commands[c.name] = c
}

// exitError carries a specific exit status out of a subcommand.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports a usage error: exit status 2.
func usageErrorf(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// withCode wraps err so that the tool exits with the given status.
func withCode(code int, err error) error { return &exitError{code: code, err: err} }

func main() {
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, isTerminal: isTerminal(os.Stderr)}
	os.Exit(run(e, os.Args[1:]))
}

// run executes one command line and returns the exit status.
func run(e *env, args []string) (code int) {
	defer func() {
		// A panic is a bug in rlakit, never the user's fault; still, the user
		// gets one line, not a stack trace.
		if r := recover(); r != nil {
			fmt.Fprintf(e.stderr, "rla: internal error: %v (please report this)\n", r)
			code = 1
		}
	}()
	if len(args) == 0 {
		printHelp(e.stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return report(e, c.name, c.run(e, []string{"--help"}))
			}
		}
		printHelp(e.stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "rla: unknown command %q; run \"rla help\" for the list\n", name)
		return 2
	}
	return report(e, c.name, c.run(e, args[1:]))
}

// report turns a subcommand's error into a message on stderr and an exit status.
func report(e *env, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	code := 1
	var xe *exitError
	if errors.As(err, &xe) {
		code = xe.code
	}
	msg := strings.TrimSpace(err.Error())
	if msg != "" {
		fmt.Fprintf(e.stderr, "rla %s: %s\n", name, msg)
	}
	return code
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "rla: the mathematics of risk-limiting audits")
	fmt.Fprintln(w, "\nusage: rla COMMAND [ARGS]   (rla COMMAND --help for details)\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
