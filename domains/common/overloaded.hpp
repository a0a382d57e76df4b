// Builds one visitor for std::visit out of several lambdas, one per variant
// alternative; the usual idiom for the command and event variants.
#pragma once

namespace mall::domains {

/// A visitor that inherits the call operators of all `Fs`.
template<class... Fs> struct overloaded : Fs... { using Fs::operator()...; };

template<class... Fs> overloaded(Fs...) -> overloaded<Fs...>;

} // namespace mall::domains
