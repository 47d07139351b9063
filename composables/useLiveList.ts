import type { Ref } from 'vue'
import { computed, ref } from 'vue'

interface Sequenced { seq: number }

/**
 * A newest-first list that can hold still: while frozen (paused, or the reader
 * scrolled away from the top) new items are counted ("N new") instead of
 * pushing what the reader is looking at.
 */
export function useLiveList<T extends Sequenced>(items: Ref<readonly T[]>) {
  const frozenAt = ref<number | null>(null)
  const visible = computed(() => {
    const at = frozenAt.value
    return at === null ? items.value : items.value.filter(item => item.seq <= at)
  })
  const newCount = computed(() => {
    const at = frozenAt.value
    if (at === null) return 0
    let count = 0
    for (const item of items.value) {
      if (item.seq <= at) break
      count++
    }
    return count
  })
  function freeze() {
    frozenAt.value ??= items.value[0]?.seq ?? 0
  }
  function release() {
    frozenAt.value = null
  }
  return { visible, newCount, frozen: computed(() => frozenAt.value !== null), freeze, release }
}
