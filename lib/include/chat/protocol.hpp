// SPDX-License-Identifier: BSL-1.0
// The whole sans-io protocol layer: limits, messages and their codec (docs/PROTOCOL.md).
#pragma once

#include <chat/codec.hpp>
#include <chat/limits.hpp>
#include <chat/messages.hpp>
