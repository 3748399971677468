package main

import (
	"bytes"
	"strings"
	"testing"
)

// runCLI runs one rla command line with the given standard input and
// returns its exit status and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(&env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestDispatcher(t *testing.T) {
	if code, _, stderr := runCLI(t, ""); code != 2 || !strings.Contains(stderr, "usage") {
		t.Errorf("no arguments: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runCLI(t, "", "frobnicate"); code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: exit %d, stderr %q", code, stderr)
	}
	if code, stdout, _ := runCLI(t, "", "help"); code != 0 || !strings.Contains(stdout, "select") {
		t.Errorf("help: exit %d, stdout %q", code, stdout)
	}
	for name := range commands {
		code, stdout, stderr := runCLI(t, "", name, "--help")
		if code != 0 || !strings.Contains(stdout, "usage") {
			t.Errorf("%s --help: exit %d, stdout %q, stderr %q", name, code, stdout, stderr)
		}
	}
	for step := range auditSteps {
		code, stdout, stderr := runCLI(t, "", "audit", step, "--help")
		if code != 0 || !strings.Contains(stdout, "usage") || !strings.Contains(stdout, "rla audit "+step) {
			t.Errorf("audit %s --help: exit %d, stdout %q, stderr %q", step, code, stdout, stderr)
		}
	}
}
