// Two people in two browsers: one creates a channel, the other finds it in the directory and
// joins, and their messages reach each other live; an unread badge counts what arrived elsewhere;
// hostile markup shows as text.
import { test, expect } from './fixtures'
import { unique, newUser, sharedChannel } from './users'

test('two users chat in real time in a channel', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  const bob = await newUser(browser, 'bob')
  const channel = unique('lobby')

  await ann.page.getByRole('button', { name: 'New room' }).click()
  await ann.page.getByLabel('Room name').fill(channel)
  await ann.page.getByRole('button', { name: 'Create' }).click()
  await expect(ann.page.getByRole('heading', { name: `#${channel}` })).toBeVisible()

  await bob.page.getByRole('button', { name: 'Browse channels' }).click()
  await bob.page.getByRole('button', { name: `Join #${channel}` }).click()
  await expect(bob.page.getByRole('heading', { name: `#${channel}` })).toBeVisible()

  const annBox = ann.page.getByLabel(`Message #${channel}`)
  await annBox.fill('hello bob')
  await annBox.press('Enter')
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  await expect(bobMessages.getByText('hello bob')).toBeVisible()

  const bobBox = bob.page.getByLabel(`Message #${channel}`)
  await bobBox.fill('hi ann\nsecond line')
  await bobBox.press('Enter')
  const annMessages = ann.page.getByRole('list', { name: 'Messages' })
  await expect(annMessages.getByText('second line')).toBeVisible()
  await expect(ann.page.getByText('sending…')).toHaveCount(0)

  // Hostile markup is text, and runs nothing.
  await annBox.fill('<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>')
  await annBox.press('Enter')
  await expect(bobMessages.getByText('<script>window.pwned=2</script>', { exact: false })).toBeVisible()
  expect(await bob.page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined()
  await expect(bobMessages.locator('img')).toHaveCount(0)

  // Formatting and a highlighted code block.
  await annBox.fill('**bold** and `code`\n```js\nconst answer = 42\n```')
  await annBox.press('Enter')
  await expect(bobMessages.locator('strong', { hasText: 'bold' })).toBeVisible()
  await expect(bobMessages.locator('pre code .hljs-keyword', { hasText: 'const' })).toBeVisible()
  await expect(bobMessages.getByRole('button', { name: 'Copy code' })).toBeVisible()

  // Completion: `@` offers members, `:` offers emoji.
  await bob.page.getByRole('button', { name: /^Members/ }).click() // loads the member list
  await bobBox.fill('thanks @an')
  await bobBox.press('ArrowRight') // an input event is what opens suggestions; fill sends one too
  const suggestions = bob.page.getByRole('listbox', { name: 'Suggestions' })
  await expect(suggestions.getByRole('option', { name: new RegExp(`@${ann.name}`) })).toBeVisible()
  await bobBox.press('Enter')
  await expect(bobBox).toHaveValue(`thanks @${ann.name} `)
  await bobBox.pressSequentially(':tad')
  await expect(suggestions.getByRole('option')).toHaveCount(1)
  await expect(suggestions.getByRole('option', { name: /:tada:/ })).toHaveAttribute('aria-selected', 'true')
  await bobBox.press('Tab')
  await expect(bobBox).toHaveValue(`thanks @${ann.name} 🎉 `)
  await bobBox.press('Enter')
  await expect(annMessages.getByText(`@${ann.name}`)).toBeVisible()
  await expect(annMessages.locator('.mention.self')).toBeVisible()

  // Bob away in another room: Ann's message counts as unread for him.
  await bob.page.getByRole('button', { name: 'New room' }).click()
  const quiet = unique('quiet')
  await bob.page.getByLabel('Room name').fill(quiet)
  await bob.page.getByRole('button', { name: 'Create' }).click()
  // He is in it before Ann speaks (still in the channel, he would read her message at once).
  await expect(bob.page.getByRole('heading', { name: `#${quiet}` })).toBeVisible()
  await annBox.fill('are you there?')
  await annBox.press('Enter')
  await expect(bob.page.getByRole('button', { name: `${channel}, 1 unread` })).toBeVisible()
  await bob.page.getByRole('button', { name: `${channel}, 1 unread` }).click()
  await expect(bobMessages.getByText('are you there?')).toBeVisible()
  await expect(bobMessages.getByText('New messages')).toBeVisible() // opened where he stopped reading
  await expect(bob.page.getByRole('button', { name: channel, exact: true })).toBeVisible()

  // The keyboard reaches the messages: Enter on the list, then Up and Down between them.
  await bob.page.getByLabel(/^Message list/).focus()
  await bob.page.keyboard.press('Enter')
  const lastMessage = bobMessages.getByRole('listitem').filter({ hasText: 'are you there?' })
  await expect(lastMessage).toBeFocused()
  await bob.page.keyboard.press('ArrowUp')
  await expect(lastMessage).not.toBeFocused()
  await bob.page.keyboard.press('ArrowDown')
  await expect(lastMessage).toBeFocused()

  // Alt+Down and Alt+Up move between rooms from the keyboard.
  await bob.page.keyboard.press('Alt+ArrowDown')
  await expect(bob.page.getByRole('heading', { name: /^#quiet/ })).toBeVisible()
  await bob.page.keyboard.press('Alt+ArrowUp')
  await expect(bob.page.getByRole('heading', { name: `#${channel}` })).toBeVisible()
})

test('edits, deletions, reactions and thread replies show up for the other user', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  const bob = await newUser(browser, 'bob')
  const channel = unique('actions')
  await ann.page.getByRole('button', { name: 'New room' }).click()
  await ann.page.getByLabel('Room name').fill(channel)
  await ann.page.getByRole('button', { name: 'Create' }).click()
  await expect(ann.page.getByRole('heading', { name: `#${channel}` })).toBeVisible() // before Bob looks
  await bob.page.getByRole('button', { name: 'Browse channels' }).click()
  await bob.page.getByRole('button', { name: `Join #${channel}` }).click()
  const annBox = ann.page.getByLabel(`Message #${channel}`)
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  const annMessages = ann.page.getByRole('list', { name: 'Messages' })

  await annBox.fill('first draft')
  await annBox.press('Enter')
  await expect(bobMessages.getByText('first draft')).toBeVisible()
  await expect(ann.page.getByText('sending…')).toHaveCount(0)

  // Up arrow edits the last message.
  await annBox.press('ArrowUp')
  await expect(annBox).toHaveValue('first draft')
  await annBox.fill('final words')
  await annBox.press('Enter')
  await expect(bobMessages.getByText('final words')).toBeVisible()
  await expect(bobMessages.getByText('(edited)')).toBeVisible()

  // Bob reacts; Ann sees the count.
  const bobMsg = bobMessages.getByRole('listitem').filter({ hasText: 'final words' })
  await bobMsg.hover()
  await bobMsg.getByRole('button', { name: 'Add a reaction' }).click()
  await bobMsg.getByRole('button', { name: 'React with 🎉' }).click()
  await expect(annMessages.getByRole('button', { name: /🎉 1/ })).toBeVisible()

  // Bob replies in the thread; Ann sees the reply count and the reply.
  await bobMsg.getByRole('button', { name: 'Reply' }).click()
  await bob.page.getByLabel('Reply in thread').fill('a reply')
  await bob.page.getByRole('button', { name: 'Reply', exact: true }).last().click()
  await expect(bob.page.getByRole('list', { name: 'Replies' }).getByText('a reply')).toBeVisible()
  await expect(annMessages.getByRole('button', { name: '1 reply' })).toBeVisible()
  await annMessages.getByRole('button', { name: '1 reply' }).click()
  await expect(ann.page.getByRole('list', { name: 'Replies' }).getByText('a reply')).toBeVisible()

  // Ann deletes her message, after confirming; Bob sees it gone.
  const annMsg = annMessages.getByRole('listitem').filter({ hasText: 'final words' }).first()
  await annMsg.hover()
  await annMsg.getByRole('button', { name: 'Delete' }).click()
  await annMsg.getByRole('button', { name: 'Yes, delete' }).click()
  await expect(bobMessages.getByText('This message was deleted.')).toBeVisible()
  await expect(bobMessages.getByText('final words')).toHaveCount(0)
})

test('a private room by invitation, and a direct message started from a member’s name', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  const bob = await newUser(browser, 'bob')
  const room = unique('secret')
  await ann.page.getByRole('button', { name: 'New room' }).click()
  await ann.page.getByLabel('Room name').fill(room)
  await ann.page.getByLabel('Only people I invite').check()
  await ann.page.getByRole('button', { name: 'Create' }).click()
  await expect(ann.page.getByRole('heading', { name: room })).toBeVisible()

  // Not in the directory for Bob.
  await bob.page.getByRole('button', { name: 'Browse channels' }).click()
  await expect(bob.page.getByRole('dialog', { name: 'Channels' })).toBeVisible()
  await expect(bob.page.getByText(room)).toHaveCount(0)
  await bob.page.getByRole('button', { name: 'Close' }).click()

  // Ann invites Bob; the room appears for him and he can post.
  await ann.page.getByRole('button', { name: /^Members/ }).click()
  await ann.page.getByRole('button', { name: 'Invite people' }).click()
  await ann.page.getByLabel('Find people').fill(bob.name)
  await ann.page.getByRole('button', { name: `Invite ${bob.name}` }).click()
  await bob.page.getByRole('button', { name: new RegExp(`^${room}`) }).click()
  const bobBox = bob.page.getByLabel(`Message ${room}`)
  await bobBox.fill('thanks for the invite')
  await bobBox.press('Enter')
  await expect(ann.page.getByRole('list', { name: 'Messages' }).getByText('thanks for the invite')).toBeVisible()

  // Bob starts a direct message from Ann's name in the member list.
  await bob.page.getByRole('button', { name: /^Members/ }).click()
  await bob.page.getByRole('button', { name: `Message ${ann.name}` }).click()
  const dmBox = bob.page.getByRole('textbox', { name: `Message ${ann.name}` })
  await dmBox.fill('just between us')
  await dmBox.press('Enter')
  const dmButton = ann.page.getByRole('button', { name: `${bob.name}, 1 unread` })
  await expect(dmButton).toBeVisible()
  await dmButton.click()
  await expect(ann.page.getByRole('list', { name: 'Messages' }).getByText('just between us')).toBeVisible()
})

test('room settings: an admin renames the room for everyone, a member leaves it', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  const bob = await newUser(browser, 'bob')
  const channel = await sharedChannel(ann.page, bob.page, 'old')

  const renamed = unique('new')
  await ann.page.getByRole('button', { name: 'Room settings' }).click()
  await ann.page.getByLabel('Room name').fill(renamed)
  await ann.page.getByLabel('Topic').fill('Now with a topic')
  await ann.page.getByRole('button', { name: 'Save' }).click()
  await expect(bob.page.getByRole('heading', { name: `#${renamed}` })).toBeVisible()
  await expect(bob.page.getByText('Now with a topic').first()).toBeVisible()

  await bob.page.getByRole('button', { name: 'Room settings' }).click()
  await expect(bob.page.getByLabel('Room name')).toHaveCount(0) // not an admin
  await bob.page.getByRole('button', { name: 'Leave room' }).click()
  await expect(bob.page.getByRole('button', { name: new RegExp(renamed) })).toHaveCount(0)
  await expect(ann.page.getByRole('list', { name: 'Messages' }).getByText(`${bob.name} left`)).toBeVisible()
})

test('a user who was away sees what was said, edited and deleted meanwhile', async ({ browser }) => {
  const ann = await newUser(browser, 'ann')
  const bob = await newUser(browser, 'bob')
  const channel = await sharedChannel(ann.page, bob.page, 'catchup')
  const annBox = ann.page.getByLabel(`Message #${channel}`)
  await annBox.fill('before you left')
  await annBox.press('Enter')
  await expect(bob.page.getByRole('list', { name: 'Messages' }).getByText('before you left')).toBeVisible()
  const roomUrl = bob.page.url()

  // Bob goes away (the tab is gone); meanwhile Ann posts, edits the old message and deletes one.
  await bob.page.goto('about:blank')
  await annBox.fill('while you were away')
  await annBox.press('Enter')
  await annBox.fill('this will vanish')
  await annBox.press('Enter')
  const annMessages = ann.page.getByRole('list', { name: 'Messages' })
  await expect(ann.page.getByText('sending…')).toHaveCount(0)
  const first = annMessages.getByRole('listitem').filter({ hasText: 'before you left' })
  await first.hover()
  await first.getByRole('button', { name: 'Edit' }).click()
  await annBox.fill('before you left (edited)')
  await annBox.press('Enter')
  await expect(annMessages.getByText('before you left (edited)')).toBeVisible()
  const doomed = annMessages.getByRole('listitem').filter({ hasText: 'this will vanish' })
  await doomed.hover()
  await doomed.getByRole('button', { name: 'Delete' }).click()
  await doomed.getByRole('button', { name: 'Yes, delete' }).click()
  await expect(annMessages.getByText('this will vanish')).toHaveCount(0)

  // Bob comes back to the room: everything he missed, in order, edits and deletions included.
  await bob.page.goto(roomUrl)
  const bobMessages = bob.page.getByRole('list', { name: 'Messages' })
  await expect(bobMessages.getByText('while you were away')).toBeVisible()
  await expect(bobMessages.getByText('before you left (edited)')).toBeVisible()
  await expect(bobMessages.getByText('this will vanish')).toHaveCount(0)
  await expect(bobMessages.getByText('This message was deleted.')).toBeVisible()
})
