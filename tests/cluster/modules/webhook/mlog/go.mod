// Stands in for monis.app/mlog, which the module proxy refuses to serve (403 Forbidden,
// every version): the webhook's pod mutator only logs through it.
module monis.app/mlog

go 1.24.0
