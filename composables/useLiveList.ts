import type { Ref } from 'vue'
import { computed, ref, watch } from 'vue'

interface Sequenced { seq: number }

export interface LiveListOptions {
  /**
   * The reader holds the list still (a Pause button): it stays frozen even
   * back at the top, until released. Turning it off shows what arrived.
   * @default () => false
   */
  held?: () => boolean
}

/**
 * A newest-first list that can hold still: while frozen (paused, or the
 * reader scrolled away from the top) new items are counted ("N new") instead
 * of pushing what the reader is looking at. Bind `list` as the scrolling
 * element's ref and `onScroll` to its scroll event; `showNew` releases and
 * goes back to the top.
 */
export function useLiveList<T extends Sequenced>(items: Ref<readonly T[]>, { held = () => false }: LiveListOptions = {}) {
  const list = ref<HTMLElement>()
  const frozenAt = ref<number | null>(null)
  const visible = computed(() => {
    const at = frozenAt.value
    return at === null ? items.value : items.value.filter(item => item.seq <= at)
  })
  const newCount = computed(() => {
    const at = frozenAt.value
    if (at === null) return 0
    let count = 0
    for (const item of items.value) if (item.seq > at) count++
    return count
  })
  const frozen = computed(() => frozenAt.value !== null)

  // Freeze at the highest sequence number shown, not the first item's:
  // items from a snapshot are numbered oldest-last, so the first one is not
  // always the highest, and freezing at it would hide all but one of them.
  function freeze(): void {
    if (frozenAt.value !== null) return
    let at = 0
    for (const item of items.value) at = Math.max(at, item.seq)
    frozenAt.value = at
  }
  function release(): void {
    frozenAt.value = null
  }
  function onScroll(): void {
    if ((list.value?.scrollTop ?? 0) > 4) freeze()
    else if (frozen.value && !held() && newCount.value === 0) release()
  }
  function showNew(): void {
    release()
    list.value?.scrollTo({ top: 0 })
  }
  watch(held, value => (value ? freeze() : showNew()))

  return { list, visible, newCount, frozen, freeze, release, onScroll, showNew }
}
