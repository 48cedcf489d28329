//go:build !race

package pipeline

// poisonRecycled: see Arena.Release. Off in production builds.
const poisonRecycled = false
