//go:build !race

package beats

// poisonRecycled: see slabPool. Off in production builds.
const poisonRecycled = false
