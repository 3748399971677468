// Package benchmarks holds rlakit's performance benchmarks, one file per
// library package, run with "go test -bench . ./benchmarks/". They are kept
// apart from the unit tests so that "go test ./..." stays fast.
package benchmarks
