// The optional PR comment (input `comment`): one comment per PR, found again by its hidden
// marker and updated on reruns; skipped on forks, whose token cannot write.
import type { ActionLog } from './log.js'
import { COMMENT_MARKER } from '../report/comment.js'

/** The part of an Octokit client this needs (issues comments API). */
export interface CommentsApi {
  listComments(p: {
    owner: string
    repo: string
    issue_number: number
    per_page: number
    page: number
  }): Promise<{ data: Array<{ id: number; body?: string | null }> }>
  createComment(p: {
    owner: string
    repo: string
    issue_number: number
    body: string
  }): Promise<unknown>
  updateComment(p: {
    owner: string
    repo: string
    comment_id: number
    body: string
  }): Promise<unknown>
}

export interface CommentTarget {
  owner: string
  repo: string
  number: number
  fork: boolean
}

export type CommentResult = 'created' | 'updated' | 'skipped-fork'

export async function upsertPrComment(
  api: CommentsApi,
  target: CommentTarget,
  body: string,
  log: ActionLog
): Promise<CommentResult> {
  if (target.fork) {
    log.info('PR comment skipped: the pull request comes from a fork (read-only token)')
    return 'skipped-fork'
  }
  const base = { owner: target.owner, repo: target.repo }
  for (let page = 1; page <= 50; page++) {
    const { data } = await api.listComments({
      ...base,
      issue_number: target.number,
      per_page: 100,
      page
    })
    const mine = data.find((c) => (c.body ?? '').includes(COMMENT_MARKER))
    if (mine) {
      await api.updateComment({ ...base, comment_id: mine.id, body })
      log.info(`updated PR comment ${mine.id}`)
      return 'updated'
    }
    if (data.length < 100) break
  }
  await api.createComment({ ...base, issue_number: target.number, body })
  log.info(`created a PR comment on #${target.number}`)
  return 'created'
}
