import type {PodState} from '../kube/kube.js'
import {timeKey} from '../pod-streams/stream-text.js'

/**
 * How log lines are labelled and which ones are new. Pure.
 *
 * A pod of a Deployment is named <deployment>-<template hash>-<5 random characters>; the random part
 * alone tells pods apart, and the hash is added only when two pods of different ReplicaSets share it.
 */
export function shortPodName(pod: {name: string; templateHash: string}, others: readonly {name: string; templateHash: string}[] = []): string {
  const parts = pod.templateHash ? new RegExp(`^(.+)-(${escape(pod.templateHash)})-([a-z0-9]+)$`).exec(pod.name) : null
  if (!parts) return pod.name
  const suffix = parts[3]!
  const clash = others.some(o => o.name !== pod.name && o.name.endsWith(`-${suffix}`))
  return clash ? `${pod.templateHash}-${suffix}` : suffix
}

/** The label of a container's lines: the short pod name, and the container when the pod has several. */
export function logPrefix(pod: PodState, container: string, others: readonly PodState[]): string {
  const short = shortPodName(pod, others)
  const containers = pod.containerNames ?? pod.containers.map(c => c.name)
  return containers.length > 1 ? `${short}/${container}` : short
}

/**
 * Lines at or before the last one shown are not shown again. A broken follow resumes from the last
 * line's second (the API's granularity), so the lines of that second come twice; their timestamps
 * (nanoseconds) tell them apart. Lines without a timestamp always pass.
 */
export function isNewLine(time: string, lastShown: string | undefined): boolean {
  if (!lastShown || !time) return true
  return timeKey(time) > timeKey(lastShown)
}

/** Lines of several containers in time order; lines of one container keep their order. */
export function mergeByTime<T extends {time: string}>(streams: readonly (readonly T[])[]): T[] {
  const tagged = streams.flatMap((lines, s) => lines.map((line, i) => ({line, key: timeKey(line.time), s, i})))
  tagged.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.s - b.s || a.i - b.i))
  return tagged.map(t => t.line)
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
