import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { lowerBound } from "../../src/services/LowerBound.js"

describe("lowerBound", () => {
  it.prop(
    "is the first index not below the value sought, as a linear scan finds it",
    [
      FastCheck.array(FastCheck.integer({ min: -50, max: 50 }), { maxLength: 40 }),
      FastCheck.integer({ min: -60, max: 60 })
    ],
    ([values, sought]) => {
      const sorted = [...values].sort((a, b) => a - b)
      const scanned = sorted.findIndex((v) => v >= sought)
      expect(lowerBound(sorted.length, (i) => sorted[i]! < sought)).toBe(scanned < 0 ? sorted.length : scanned)
    }
  )
})
