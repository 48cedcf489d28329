// Package race tells whether the race detector is built in. The tests run
// with it (-race), so it is where code that recycles memory also poisons
// it: a reader that breaks the recycling rule then fails in the tests,
// while production builds pay nothing.
package race
