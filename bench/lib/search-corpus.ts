/**
 * Text for the search benchmark: a vocabulary ranked by frequency, drawn with a Zipf-like
 * law (rank r with probability ∝ 1/r, as in natural language: the top words are stop words,
 * most words are rare), plus a share of Chinese and Japanese messages made of common phrases.
 *
 * The head of the vocabulary is real English (stop words first, then the words of team chat),
 * so stemming behaves as on real messages; the long tail is pronounceable made-up words from a
 * fixed seed, standing in for names, jargon and typos (each rare, together frequent).
 */

const ENGLISH = `the to and a of i in is it you that for on this we be with have are not
  can just so but at will do my if me was what all from up out get about now one there or as
  they by would like know no an your think here when how our time going good see today need
  should new also been more yes ok thanks please then make work well could some back did want
  still which only still right any team sure had great let check look after were also really
  because them their before has into first over than other done next use again week meeting
  update release deploy deployment deployed deploying build running run runs ran test tests
  testing tested merge merged branch review reviewed reviewing issue issues bug bugs fix fixed
  fixing ticket server servers database query queries index cache latency error errors failed
  failing failure logs log alert alerts incident outage customer customers client clients user
  users account billing invoice payment payments report reports dashboard metrics chart graph
  plan planning roadmap sprint standup demo launch feature features design designs mockup draft
  doc docs document documents spec proposal budget cost costs price pricing sales marketing
  email emails call calls schedule calendar tomorrow yesterday monday tuesday wednesday thursday
  friday morning afternoon evening tonight lunch coffee office remote home travel flight hotel
  trip vacation holiday weekend birthday party dinner team's happy sorry welcome hello hi hey
  thanks thank great awesome nice cool perfect agreed approve approved approval pending blocked
  blocker waiting ready started starting finish finished finishing complete completed progress
  status priority urgent important question questions answer answers idea ideas thought
  thoughts feedback comment comments note notes summary agenda minutes follow share shared
  sharing link links file files folder upload download image images video screenshot photo
  version versions upgrade migration migrations rollback rollout config configuration setting
  settings option options support ticketing request requests response responses api endpoint
  endpoints service services network timeout timeouts memory cpu disk storage backup backups
  restore security password login access permission permissions role roles admin owner owners
  contract contracts legal hiring interview candidate candidates onboarding offer manager
  managers engineer engineers engineering product products project projects quarter quarterly
  goal goals target targets revenue growth market partner partners vendor vendors order orders
  shipping delivery delivered package packages warehouse inventory stock analytics experiment
  experiments result results data dataset model models training trained pipeline pipelines job
  jobs queue queues worker workers cluster clusters node nodes container containers kubernetes
  docker terminal script scripts code coding commit commits repository pull push tag tags
  staging production prod dev environment environments monitor monitoring traffic load
  performance benchmark benchmarks slow fast faster slower broken working works worked
  mobile android ios web browser chrome safari desktop app apps frontend backend layout button
  buttons page pages form forms search searching filter filters sort sorting notification
  notifications message messages chat channel channels thread threads reply replies reaction
  reactions emoji pin pinned mention mentions draft drafts retro retrospective lessons learned
  customer's onboarding churn renewal renewals discount quote quotes estimate estimates`

/** Common phrases of Chinese and Japanese team chat (no spaces between words). */
export const CJK_PHRASES = [
  '中文消息测试', '我们明天开会', '部署已经完成', '请检查一下日志', '服务器出现错误', '数据库查询很慢', '客户反馈问题',
  '下周发布新版本', '代码审查通过', '测试失败了', '项目进度更新', '谢谢大家', '今天的会议取消', '预算需要批准',
  '日本語のテキスト', '明日の会議について', 'デプロイが完了しました', 'ログを確認してください', 'サーバーのエラー',
  'データベースが遅い', 'お客様からの問い合わせ', '来週リリース予定', 'レビューお願いします', 'テストが失敗しました',
  'よろしくお願いします', 'ありがとうございます', '進捗報告', '東京オフィス', '新機能の設計',
]

/** The vocabulary, most frequent first: the English head (deduplicated) then `tail` made-up words. */
export function vocabulary(tail = 20_000, seed = 7): string[] {
  const head = [...new Set(ENGLISH.split(/\s+/).filter(Boolean))]
  const seen = new Set(head)
  const out = [...head]
  const onsets = ['b', 'br', 'c', 'ch', 'd', 'dr', 'f', 'fl', 'g', 'gr', 'h', 'j', 'k', 'kl', 'l', 'm', 'n', 'p', 'pl', 'qu', 'r', 's', 'sh', 'sk', 'st', 't', 'tr', 'v', 'w', 'z']
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'y']
  const codas = ['', '', '', 'n', 'r', 's', 'l', 'x', 'nt', 'rk', 'm', 'ck']
  // The same words on every run.
  const rand = prng(seed)
  while (out.length < head.length + tail) {
    let w = ''
    for (let s = 2 + rand(3); s > 0; s--) w += onsets[rand(onsets.length)] + vowels[rand(vowels.length)]
    w += codas[rand(codas.length)]
    if (!seen.has(w)) {
      seen.add(w)
      out.push(w)
    }
  }
  return out
}

/** xorshift32: a seeded generator of integers below `n`, the same sequence on every run. */
export function prng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1
  return (n: number) => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x % n
  }
}
