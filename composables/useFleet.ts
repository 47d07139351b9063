import { computed } from 'vue'
import { storeToRefs } from 'pinia'
import { useFleetStore } from '../stores/fleet'
import { matcherFor, namesOneSource } from '../utils/source-filter'

/**
 * The fleet and the part of it in view: every source when nothing is
 * focused, otherwise those matching `?source=` (a name, or a prefix).
 */
export function useFleet() {
  const fleet = useFleetStore()
  const { statuses, counts, names } = storeToRefs(fleet)
  const view = useDashboardView()
  // The fleet's names change order every second; whether the filter names one
  // of them rarely changes. Only that is tracked, so the matcher (and the alert
  // and log lists filtered with it) stays the same from one second to the next.
  const exact = computed(() => namesOneSource(view.source.value, names.value))
  /** Tests any name (alerts and logs also come from sources without metrics). */
  const inView = computed(() => matcherFor(view.source.value, exact.value))
  const selected = computed(() => (view.source.value ? statuses.value.filter(status => inView.value(status.source)) : statuses.value))
  const selectedNames = computed(() => selected.value.map(status => status.source))
  return { statuses, counts, names, selected, selectedNames, inView, focused: view.source, focus: view.focus }
}
